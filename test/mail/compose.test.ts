// The subscriber emails: subjects, headers, escaping, times, links and the
// shape of both parts, over real incidents loaded through the repo.
import { parse } from 'parse5';
import type { DefaultTreeAdapterMap } from 'parse5';
import { describe, expect, it } from 'vitest';
import type { IncidentDetail } from '../../src/db/repos/incidents-repo.js';
import {
  composeAlreadySubscribedEmail,
  composeConfirmEmail,
  composeUpdateEmail,
  type ComposedEmail,
  type EmailPage,
  type EmailRecipient,
} from '../../src/mail/compose.js';
import { templates } from '../../src/generated/views.js';
import { createViews } from '../../src/lib/views.js';
import { createComponent } from '../../src/services/components/components.js';
import { declareIncident } from '../../src/services/incidents/declare.js';
import { postUpdate } from '../../src/services/incidents/post-update.js';
import { scheduleMaintenance } from '../../src/services/maintenance/schedule.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { FIXTURE_ACTOR } from '../support/actors.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const BASE = 'https://status.example.com';
const TOKEN = 'k3x9q2m7p4ab.s3cr3t-Value_0';
const T = encodeURIComponent(TOKEN);
const TO: EmailRecipient = { email: 'reader@example.org', token: TOKEN };

function page(overrides: Partial<EmailPage> = {}): EmailPage {
  return { name: 'Test Cloud', baseUrl: BASE, timeZone: 'Europe/Berlin', logoUrl: null, accentColor: '#2563eb', ...overrides };
}

async function setup() {
  // The test clock starts at 23 Nov 2026, 12:00 UTC (13:00 CET).
  const deps = await createTestDeps();
  const api = await createComponent(deps, { name: 'API' }, FIXTURE_ACTOR);
  const rnd = await createComponent(deps, { name: 'R&D <ops>' }, FIXTURE_ACTOR);
  const hidden = await createComponent(deps, { name: 'Internal queue', hidden: true }, FIXTURE_ACTOR);
  const names = async () =>
    new Map((await deps.repos.components.list()).filter((c) => !c.hidden).map((c) => [c.id, c.name] as [string, string]));
  return { deps, ids: { api, rnd, hidden }, names };
}

async function load(deps: TestDeps, id: string): Promise<IncidentDetail> {
  const incident = await deps.repos.incidents.findById(id);
  if (!incident) throw new Error(`no incident ${id}`);
  return incident;
}

/* ---- HTML inspection with parse5 ---- */

type Node = DefaultTreeAdapterMap['node'];
type Element = DefaultTreeAdapterMap['element'];

function elements(html: string): Element[] {
  const found: Element[] = [];
  const walk = (node: Node) => {
    if ('tagName' in node) found.push(node);
    const children = 'childNodes' in node ? node.childNodes : [];
    for (const child of children) walk(child);
    if ('content' in node && node.content) walk(node.content);
  };
  walk(parse(html));
  return found;
}

function textOf(html: string): string {
  let text = '';
  const walk = (node: Node) => {
    if (node.nodeName === '#text' && 'value' in node) text += node.value;
    if ('childNodes' in node) for (const child of node.childNodes) walk(child);
  };
  walk(parse(html));
  return text;
}

function attr(element: Element, name: string): string | undefined {
  return element.attrs.find((a) => a.name === name)?.value;
}

/** What every HTML part must be: self-contained, inline-styled, nothing executable. */
function expectSafeSelfContainedHtml(html: string): Element[] {
  const all = elements(html);
  const names = all.map((e) => e.tagName);
  expect(names).not.toContain('script');
  expect(names).not.toContain('style');
  expect(names).not.toContain('link');
  expect(names).not.toContain('iframe');
  expect(names).not.toContain('object');
  for (const element of all) {
    for (const { name, value } of element.attrs) {
      expect(name.startsWith('on'), `${element.tagName} has ${name}`).toBe(false);
      if (name === 'href' || name === 'src') expect(value.trim().toLowerCase()).not.toMatch(/^(javascript|data|vbscript):/);
    }
    // Nothing depends on a stylesheet.
    expect(attr(element, 'class')).toBeUndefined();
  }
  expect(all.filter((e) => attr(e, 'style') !== undefined).length).toBeGreaterThan(10);
  expect(attr(all.find((e) => e.tagName === 'body')!, 'style')).toMatch(/background-color:#/);
  // The content column is at most 600px wide.
  expect(html).toContain('max-width:600px');
  return all;
}

function expectNoCrLf(email: ComposedEmail) {
  expect(email.subject).not.toMatch(/[\r\n]/);
  expect(email.to).not.toMatch(/[\r\n]/);
  for (const [name, value] of Object.entries(email.headers)) {
    expect(name).not.toMatch(/[\r\n]/);
    expect(value, name).not.toMatch(/[\r\n\u0000-\u001f\u007f]/);
  }
}

function expectListHeaders(email: ComposedEmail, listId = 'Test Cloud <updates.status.example.com>') {
  expect(email.headers).toEqual({
    'List-Unsubscribe': `<${BASE}/unsubscribe/${T}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    'List-Id': listId,
  });
}

describe('update emails', () => {
  it('are titled "[<status>] <title>" after the update they announce', async () => {
    const { deps, ids, names } = await setup();
    const id = await declareIncident(deps, {
      title: 'Elevated API errors',
      severity: 1,
      body: 'We are investigating.',
      components: [{ componentId: ids.api, status: 'major_outage' }],
    }, FIXTURE_ACTOR);
    deps.clock.advance(20 * MINUTE);
    await postUpdate(deps, { incidentId: id, status: 'identified', body: 'Found it.' }, FIXTURE_ACTOR);
    const incident = await load(deps, id);
    const [identified, investigating] = incident.updates;

    const first = composeUpdateEmail(deps.views, page(), TO, incident, investigating!.id, await names());
    expect(first.subject).toBe('[Investigating] Elevated API errors');
    expect(first.to).toBe('reader@example.org');
    const second = composeUpdateEmail(deps.views, page(), TO, incident, identified!.id, await names());
    expect(second.subject).toBe('[Identified] Elevated API errors');
    expect(second.text).toContain('Found it.');
    expect(second.text).not.toContain('We are investigating.');
  });

  it('use the maintenance labels and show the window in the page’s time zone', async () => {
    const { deps, ids, names } = await setup();
    const id = await scheduleMaintenance(deps, {
      title: 'Database upgrade',
      body: 'We will upgrade the database.',
      scheduledFor: deps.clock.now() + 24 * HOUR,
      scheduledUntil: deps.clock.now() + 26 * HOUR,
      componentIds: [ids.api],
    }, FIXTURE_ACTOR);
    const incident = await load(deps, id);
    const email = composeUpdateEmail(deps.views, page(), TO, incident, incident.updates[0]!.id, await names());
    expect(email.subject).toBe('[Scheduled] Database upgrade');
    expect(email.text).toContain('Scheduled window: 24 Nov 2026, 13:00 CET – 15:00 CET');
    expect(textOf(email.html)).toContain('24 Nov 2026, 13:00 CET – 15:00 CET');
    expect(email.text).toContain('Status: Scheduled');
    expect(email.text.split('\n')).toContain(`${BASE}/incidents/${id}`);
    expect(email.text).toContain('View the maintenance:');
    expect(textOf(email.html)).toContain('View the maintenance');
    // Announced maintenance has changed nothing yet: the component is listed without a status.
    expect(email.text).toMatch(/^- API$/m);
    expectListHeaders(email);
  });

  it('show the update time in the page’s time zone, naming the zone', async () => {
    const { deps, ids, names } = await setup();
    const id = await declareIncident(deps, {
      title: 'Slow dashboards',
      severity: 2,
      body: 'Looking into it.',
      components: [{ componentId: ids.api, status: 'degraded_performance' }],
      nextUpdateAt: deps.clock.now() + 30 * MINUTE,
    }, FIXTURE_ACTOR);
    const incident = await load(deps, id);
    const berlin = composeUpdateEmail(deps.views, page(), TO, incident, incident.updates[0]!.id, await names());
    expect(berlin.text).toContain('Posted: 23 Nov 2026, 13:00 CET');
    expect(textOf(berlin.html)).toContain('23 Nov 2026, 13:00 CET');
    expect(berlin.text).toContain('Next update by 13:30 CET.');
    const utc = composeUpdateEmail(deps.views, page({ timeZone: 'UTC' }), TO, incident, incident.updates[0]!.id, await names());
    expect(utc.text).toContain('Posted: 23 Nov 2026, 12:00 UTC');
  });

  it('list the affected components with their status after that update, and nothing hidden or added later', async () => {
    const { deps, ids, names } = await setup();
    const id = await declareIncident(deps, {
      title: 'Elevated API errors',
      severity: 1,
      body: 'We are investigating.',
      components: [
        { componentId: ids.api, status: 'major_outage' },
        { componentId: ids.hidden, status: 'major_outage' },
      ],
    }, FIXTURE_ACTOR);
    deps.clock.advance(10 * MINUTE);
    await postUpdate(deps, {
      incidentId: id,
      status: 'identified',
      body: 'The lab is affected too.',
      components: [{ componentId: ids.rnd, status: 'partial_outage' }],
    }, FIXTURE_ACTOR);
    deps.clock.advance(10 * MINUTE);
    await postUpdate(deps, {
      incidentId: id,
      status: 'monitoring',
      body: 'Fix deployed.',
      components: [{ componentId: ids.api, status: 'degraded_performance' }],
    }, FIXTURE_ACTOR);
    const incident = await load(deps, id);
    const [monitoring, identified, investigating] = incident.updates;
    const email = (updateId: string) => composeUpdateEmail(deps.views, page(), TO, incident, updateId, new Map());
    const compose = async (updateId: string) => composeUpdateEmail(deps.views, page(), TO, incident, updateId, await names());

    const first = await compose(investigating!.id);
    expect(first.text).toMatch(/^- API: Major outage$/m);
    expect(first.text).not.toContain('R&D');
    expect(first.text).not.toContain('Internal queue');
    expect(first.html).not.toContain('Internal queue');

    const second = await compose(identified!.id);
    expect(second.text).toContain('Affected components:\n- API: Major outage\n- R&D <ops>: Partial outage\n');

    const third = await compose(monitoring!.id);
    expect(third.text).toContain('Affected components:\n- API: Degraded performance\n- R&D <ops>: Partial outage\n');
    const html = textOf(third.html);
    expect(html).toContain('Affected components');
    expect(html).toContain('Degraded performance');

    // No names known: no component section at all.
    expect(email(monitoring!.id).text).not.toContain('Affected components');
  });

  it('render the Markdown body as sanitized HTML and as readable text with the link URLs', async () => {
    const { deps, names } = await setup();
    const body = [
      'We are **investigating** errors on the [API](https://api.example.com/health).',
      '',
      '- EU customers',
      '- US customers',
      '',
      'More at https://example.com/more',
    ].join('\n');
    const id = await declareIncident(deps, { title: 'Elevated API errors', severity: 1, body }, FIXTURE_ACTOR);
    const incident = await load(deps, id);
    const email = composeUpdateEmail(deps.views, page(), TO, incident, incident.updates[0]!.id, await names());

    expect(email.text).toContain('We are investigating errors on the API (https://api.example.com/health).\n\n- EU customers\n- US customers\n\nMore at https://example.com/more\n');
    expect(email.text).not.toMatch(/<\/?(p|strong|ul|li|a)\b/);
    const all = expectSafeSelfContainedHtml(email.html);
    const strong = all.find((e) => e.tagName === 'strong');
    expect(strong).toBeDefined();
    const link = all.find((e) => e.tagName === 'a' && attr(e, 'href') === 'https://api.example.com/health')!;
    expect(attr(link, 'rel')).toBe('nofollow noopener noreferrer');
    expect(attr(link, 'style')).toMatch(/color:#/);
  });

  it('escape hostile titles, bodies and component names in HTML, and show them literally in text', async () => {
    const { deps, names } = await setup();
    const evil = await createComponent(deps, { name: '"><img src=x onerror=alert(1)>' }, FIXTURE_ACTOR);
    const title = '<script>alert("t")</script> R&D <ops>';
    const body = [
      '<script>alert(1)</script>',
      '',
      '"><img src=x onerror=alert(2)> and <a href="javascript:alert(3)">raw</a>',
      '',
      '[click me](javascript:alert(4)) and [fine](https://example.com/ok)',
    ].join('\n');
    const id = await declareIncident(deps, { title, severity: 1, body, components: [{ componentId: evil, status: 'major_outage' }] }, FIXTURE_ACTOR);
    const incident = await load(deps, id);
    const email = composeUpdateEmail(deps.views, page({ name: 'R&D <ops>' }), TO, incident, incident.updates[0]!.id, await names(), {
      all: false,
      names: ['<script>alert(5)</script>'],
    });

    const all = expectSafeSelfContainedHtml(email.html);
    expect(all.filter((e) => e.tagName === 'img')).toHaveLength(0);
    expect(all.filter((e) => e.tagName === 'a').map((a) => attr(a, 'href'))).not.toContain('javascript:alert(3)');
    // Shown as text, not markup.
    const visible = textOf(email.html);
    expect(visible).toContain(title);
    expect(visible).toContain('<script>alert(1)</script>');
    expect(visible).toContain('"><img src=x onerror=alert(1)>');
    expect(visible).toContain('[click me](javascript:alert(4))');
    expect(email.html).toContain('R&amp;D &lt;ops&gt;');
    expect(email.html).not.toContain('R&D <ops>');

    // The text part is plain text: everything literal, no HTML entities, no link made of javascript:.
    expect(email.text).toContain(title);
    expect(email.text).toContain('<script>alert(1)</script>');
    expect(email.text).toContain('- "><img src=x onerror=alert(1)>: Major outage');
    expect(email.text).toContain('[click me](javascript:alert(4)) and fine (https://example.com/ok)');
    expect(email.text).toContain('You subscribed to R&D <ops> updates (<script>alert(5)</script>).');
    expect(email.text).toMatch(/^R&D <ops>$/m);
    expect(email.text).not.toMatch(/&(amp|lt|gt|quot|#39);/);
    expect(email.subject).toBe('[Investigating] <script>alert("t")</script> R&D <ops>');
  });

  it('carry the incident, preferences and unsubscribe links in both parts', async () => {
    const { deps, names } = await setup();
    const id = await declareIncident(deps, { title: 'Elevated API errors', severity: 1, body: 'We are investigating.' }, FIXTURE_ACTOR);
    const incident = await load(deps, id);
    const email = composeUpdateEmail(deps.views, page(), TO, incident, incident.updates[0]!.id, await names(), { all: true, names: [] });
    const lines = email.text.split('\n');
    expect(lines).toContain(`${BASE}/incidents/${id}`);
    expect(lines).toContain(`Manage preferences: ${BASE}/subscriptions/${T}`);
    expect(lines).toContain(`Unsubscribe: ${BASE}/unsubscribe/${T}`);
    expect(lines).toContain(`${BASE}/`);
    expect(lines).toContain('You subscribed to Test Cloud updates (all components).');
    expect(lines[0]).toBe('Test Cloud');
    expect(email.text).toMatch(/^Elevated API errors\n\nStatus: Investigating\nPosted: 23 Nov 2026, 13:00 CET\n\nWe are investigating\.\n/m);

    const hrefs = elements(email.html)
      .filter((e) => e.tagName === 'a')
      .map((a) => attr(a, 'href'));
    expect(hrefs).toContain(`${BASE}/incidents/${id}`);
    expect(hrefs).toContain(`${BASE}/subscriptions/${T}`);
    expect(hrefs).toContain(`${BASE}/unsubscribe/${T}`);
    expect(hrefs).toContain(`${BASE}/`);
    const visible = textOf(email.html);
    expect(visible).toContain('View the incident');
    expect(visible).toContain('Manage preferences');
    expect(visible).toContain('Unsubscribe');
    expectListHeaders(email);
  });

  it('refuse an update that is not part of the incident', async () => {
    const { deps } = await setup();
    const id = await declareIncident(deps, { title: 'Elevated API errors', severity: 1, body: 'We are investigating.' }, FIXTURE_ACTOR);
    const incident = await load(deps, id);
    expect(() => composeUpdateEmail(deps.views, page(), TO, incident, 'nope', new Map())).toThrow(/not part of/);
  });
});

describe('headers', () => {
  it('are exactly List-Unsubscribe (the token URL), List-Unsubscribe-Post and List-Id, on every kind', async () => {
    const { deps, names } = await setup();
    const id = await declareIncident(deps, { title: 'Elevated API errors', severity: 1, body: 'We are investigating.' }, FIXTURE_ACTOR);
    const incident = await load(deps, id);
    const emails = [
      composeUpdateEmail(deps.views, page(), TO, incident, incident.updates[0]!.id, await names()),
      composeConfirmEmail(deps.views, page(), TO, { all: true, names: [] }),
      composeAlreadySubscribedEmail(deps.views, page(), TO),
    ];
    for (const email of emails) expectListHeaders(email);
  });

  it('encode the token, and follow the page’s scheme and host', async () => {
    const { deps } = await setup();
    const email = composeAlreadySubscribedEmail(deps.views, page({ baseUrl: 'http://localhost:3000/' }), { email: 'a@example.org', token: 'ab/c+d=e f' });
    expect(email.headers['List-Unsubscribe']).toBe('<http://localhost:3000/unsubscribe/ab%2Fc%2Bd%3De%20f>');
    expect(email.headers['List-Id']).toBe('Test Cloud <updates.localhost>');
    expect(email.text).toContain('http://localhost:3000/subscriptions/ab%2Fc%2Bd%3De%20f');
    const nested = composeAlreadySubscribedEmail(deps.views, page({ baseUrl: 'https://Example.COM/status' }), TO);
    expect(nested.headers['List-Unsubscribe']).toBe(`<https://example.com/status/unsubscribe/${T}>`);
    expect(nested.headers['List-Id']).toBe('Test Cloud <updates.example.com>');
  });

  it('never carry CR or LF, whatever the page name, the title or the component names', async () => {
    const { deps } = await setup();
    const hostileName = 'Evil\r\nBcc: x@y <a>"\u0000';
    const id = await declareIncident(deps, { title: 'Outage\r\nBcc: x@y', severity: 1, body: 'Body.\r\nBcc: x@y' }, FIXTURE_ACTOR);
    const incident = await load(deps, id);
    const hostile = page({ name: hostileName });
    const names = new Map([['x', 'Comp\r\nBcc: x@y']]);
    const emails = [
      composeUpdateEmail(deps.views, hostile, TO, incident, incident.updates[0]!.id, names, { all: false, names: ['A\r\nBcc: x@y'] }),
      composeConfirmEmail(deps.views, hostile, TO, { all: false, names: ['A\r\nBcc: x@y'] }),
      composeAlreadySubscribedEmail(deps.views, hostile, TO),
    ];
    for (const email of emails) {
      expectNoCrLf(email);
      expect(Object.keys(email.headers).sort()).toEqual(['List-Id', 'List-Unsubscribe', 'List-Unsubscribe-Post']);
      expect(email.headers['List-Id']).toBe('"Evil Bcc: x@y a \\"" <updates.status.example.com>');
    }
    expect(emails[0]!.subject).toBe('[Investigating] Outage Bcc: x@y');
    expect(emails[1]!.subject).toBe('Confirm your subscription to Evil Bcc: x@y <a>" updates');
  });

  it('quote or encode page names that are not plain atoms', async () => {
    const { deps } = await setup();
    const listId = (name: string) => composeAlreadySubscribedEmail(deps.views, page({ name }), TO).headers['List-Id'];
    expect(listId('Acme Cloud')).toBe('Acme Cloud <updates.status.example.com>');
    expect(listId('Acme, Inc.')).toBe('"Acme, Inc." <updates.status.example.com>');
    expect(listId('<>')).toBe('<updates.status.example.com>');
    const encoded = listId('Störungsmelder Ω');
    const match = /^=\?UTF-8\?B\?([A-Za-z0-9+/=]+)\?= <updates\.status\.example\.com>$/.exec(encoded!);
    expect(match).not.toBeNull();
    const bytes = Uint8Array.from(atob(match![1]!), (c) => c.charCodeAt(0));
    expect(new TextDecoder().decode(bytes)).toBe('Störungsmelder Ω');
    // Long names become several encoded words of at most 75 characters each.
    const long = listId('Überwachung '.repeat(8))!;
    const words = long.replace(/ <updates\.status\.example\.com>$/, '').split(' ');
    expect(words.length).toBeGreaterThan(1);
    for (const word of words) expect(word.length).toBeLessThanOrEqual(75);
  });

  it('refuse a recipient address that could smuggle a header', async () => {
    const { deps } = await setup();
    expect(() => composeAlreadySubscribedEmail(deps.views, page(), { email: 'a@example.org\r\nBcc: x@y', token: TOKEN })).toThrow(/recipient/);
    expect(() => composeAlreadySubscribedEmail(deps.views, page({ baseUrl: 'javascript:alert(1)' }), TO)).toThrow(/http/);
  });
});

describe('confirmation emails', () => {
  it('say what was asked for, with one confirm link and a way out', async () => {
    const { deps } = await setup();
    const email = composeConfirmEmail(deps.views, page(), TO, { all: false, names: ['API', 'R&D <ops>'] });
    const confirmUrl = `${BASE}/subscribe/confirm/${T}`;
    expect(email.subject).toBe('Confirm your subscription to Test Cloud updates');
    expect(email.text.split('\n')).toContain(confirmUrl);
    expect(email.text).toContain('- API\n- R&D <ops>\n');
    expect(email.text).toContain('If this wasn’t you, ignore this email: you will get nothing else.');
    expect(email.text).not.toContain('/unsubscribe/');

    const all = expectSafeSelfContainedHtml(email.html);
    const links = all.filter((e) => e.tagName === 'a' && attr(e, 'href') === confirmUrl);
    expect(links.length).toBeGreaterThanOrEqual(1);
    expect(textOf(email.html)).toContain('Confirm subscription');
    expect(email.html).toContain('R&amp;D &lt;ops&gt;');
    expect(textOf(email.html)).toContain('you will get nothing else');
    expectListHeaders(email);

    const everything = composeConfirmEmail(deps.views, page(), TO, { all: true, names: [] });
    expect(everything.text).toContain('- All components');
  });
});

describe('already-subscribed emails', () => {
  it('point to the preferences and reveal nothing new', async () => {
    const { deps } = await setup();
    const email = composeAlreadySubscribedEmail(deps.views, page(), TO);
    expect(email.subject).toBe('You are already subscribed to Test Cloud updates');
    expect(email.text).toContain('already subscribed');
    expect(email.text.split('\n')).toContain(`${BASE}/subscriptions/${T}`);
    expect(email.text).not.toContain('/subscribe/confirm/');
    const all = expectSafeSelfContainedHtml(email.html);
    expect(all.some((e) => e.tagName === 'a' && attr(e, 'href') === `${BASE}/subscriptions/${T}`)).toBe(true);
    expectListHeaders(email);
  });
});

describe('the look', () => {
  it('uses a valid accent colour for the button, readable text on it, and a fallback otherwise', async () => {
    const { deps } = await setup();
    const button = (accentColor: string) => {
      const html = composeAlreadySubscribedEmail(deps.views, page({ accentColor }), TO).html;
      const cell = elements(html).find((e) => e.tagName === 'td' && attr(e, 'bgcolor') && attr(e, 'bgcolor') !== '#f4f5f7' && attr(e, 'bgcolor') !== '#ffffff')!;
      const link = elements(html).find((e) => e.tagName === 'a' && attr(e, 'href') === `${BASE}/subscriptions/${T}` && /padding:12px/.test(attr(e, 'style') ?? ''))!;
      return { bg: attr(cell, 'bgcolor'), color: /;color:(#[0-9a-f]+)/.exec(attr(link, 'style')!)![1], html };
    };
    expect(button('#7c3aed')).toMatchObject({ bg: '#7c3aed', color: '#ffffff' });
    expect(button('#FF0')).toMatchObject({ bg: '#ffff00', color: '#1f2328' });
    const hostile = button('red;background:url(https://evil.example/x)');
    expect(hostile).toMatchObject({ bg: '#2563eb', color: '#ffffff' });
    expect(hostile.html).not.toContain('evil.example');
  });

  it('shows the logo only as an https image with the page name as its alt text', async () => {
    const { deps } = await setup();
    const withLogo = composeAlreadySubscribedEmail(deps.views, page({ logoUrl: 'https://cdn.example.com/logo.png' }), TO).html;
    const images = expectSafeSelfContainedHtml(withLogo).filter((e) => e.tagName === 'img');
    expect(images).toHaveLength(1);
    expect(attr(images[0]!, 'src')).toBe('https://cdn.example.com/logo.png');
    expect(attr(images[0]!, 'alt')).toBe('Test Cloud');
    const insecure = composeAlreadySubscribedEmail(deps.views, page({ logoUrl: 'javascript:alert(1)' }), TO).html;
    expect(elements(insecure).filter((e) => e.tagName === 'img')).toHaveLength(0);
  });
});

describe('the Worker’s precompiled templates', () => {
  it('render every email exactly as the Node ones do', async () => {
    const { deps, ids, names } = await setup();
    const precompiled = createViews(templates);
    const id = await declareIncident(deps, {
      title: 'R&D <ops> down',
      severity: 1,
      body: 'We are **investigating**.',
      components: [{ componentId: ids.api, status: 'major_outage' }],
    }, FIXTURE_ACTOR);
    const incident = await load(deps, id);
    const map = await names();
    const render = (views: typeof deps.views) => [
      composeUpdateEmail(views, page(), TO, incident, incident.updates[0]!.id, map, { all: true, names: [] }),
      composeConfirmEmail(views, page(), TO, { all: false, names: ['API'] }),
      composeAlreadySubscribedEmail(views, page({ logoUrl: 'https://cdn.example.com/logo.png' }), TO),
    ];
    expect(render(precompiled)).toEqual(render(deps.views));
  });
});
