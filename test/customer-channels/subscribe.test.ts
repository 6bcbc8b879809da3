import { eq } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { channelSubscribers } from '../../src/db/schema.js';
import { isWebhookSecret, signWebhook } from '../../src/channels/webhook.js';
import { NOTICE_INTERVAL_MS } from '../../src/services/subscribers/subscriptions.js';
import { inspectHtml } from '../security/support.js';
import { textOf } from '../support/http.js';
import { channelRows, fixture, get, linkIn, post, send, subscribeChannel, type Fixture } from './subscribe-support.js';

/*
 * The public side of webhook, Slack, Teams and Discord subscriptions through
 * the real app and a real SQLite database: the form, double opt-in by the
 * contact's email, the signing secret shown once, managing, re-enabling,
 * rotating and unsubscribing.
 */

const ENDPOINTS = [
  { type: 'webhook', url: 'https://hooks.customer.example/herald/incoming?key=s3cr3t-path', label: 'Webhook', host: 'hooks.customer.example' },
  { type: 'slack', url: 'https://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX', label: 'Slack', host: 'hooks.slack.com' },
  {
    type: 'teams',
    url: 'https://prod-01.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=TEAMSSECRET',
    label: 'Microsoft Teams',
    host: 'prod-01.westeurope.logic.azure.com',
  },
  { type: 'discord', url: 'https://discord.com/api/webhooks/123/DISCORDSECRET', label: 'Discord', host: 'discord.com' },
] as const;

/** The secret part of each URL: never on a page or in an email. */
const SECRET_PARTS = ['s3cr3t-path', 'XXXXSECRETXXXX', 'TEAMSSECRET', 'DISCORDSECRET'];

function expectNoUrlSecrets(text: string): void {
  for (const part of SECRET_PARTS) expect(text).not.toContain(part);
}

function expectCleanHtml(html: string): void {
  const report = inspectHtml(html);
  expect(report.problems).toEqual([]);
  expect(report.parseErrors).toEqual([]);
}

/** Subscribes, then returns the row and the confirmation link token. */
async function pending(f: Fixture, type: string, url: string): Promise<{ token: string; id: string }> {
  const res = await subscribeChannel(f, { type, url });
  expect(res.status).toBe(200);
  const token = decodeURIComponent(linkIn(f.mail.sent.at(-1)!, 'confirm'));
  return { token, id: token.split('.')[0]! };
}

async function confirmed(f: Fixture, type: string, url: string): Promise<{ token: string; id: string; secret: string | null }> {
  const { token, id } = await pending(f, type, url);
  const res = await post(f, `/subscribe/channels/confirm/${token}`);
  expect(res.status).toBe(200);
  const row = (await f.repos.channelSubscribers.findById(id))!;
  return { token, id, secret: row.signingSecret };
}

describe('GET /subscribe', () => {
  it('offers webhook, Slack, Teams and Discord beside the email form, with help for each, as valid accessible HTML', async () => {
    const f = await fixture();
    const res = await get(f, '/subscribe');
    expect(res.status).toBe(200);
    expectCleanHtml(res.text);
    expect(res.text).toContain('<form method="post" action="/subscribe">');
    expect(res.text).toContain('<form method="post" action="/subscribe/channels">');
    for (const type of ['webhook', 'slack', 'teams', 'discord']) {
      expect(res.text).toContain(`<input type="radio" id="type-${type}" name="type" value="${type}">`);
      expect(res.text).toContain(`<label for="type-${type}">`);
    }
    expect(res.text).toContain('<legend>Where should updates go?</legend>');
    expect(res.text).toContain('<label for="channel-url">Endpoint URL</label>');
    expect(res.text).toContain('<label for="channel-contact">Contact email</label>');
    expect(res.text).toContain('Post to a channel when a webhook request is received');
    expect(res.text).toContain('Incoming Webhooks');
    expect(res.text).toContain('Integrations');
    expect(res.text).toContain('href="/subscribe/webhooks"');
    // Two component choices on one page, with distinct ids.
    expect(res.text).toContain('id="scope-all"');
    expect(res.text).toContain('id="ch-scope-all"');
    expect(res.text).toContain(`id="ch-c-${f.api}"`);
  });
});

describe('subscribing an endpoint', () => {
  for (const endpoint of ENDPOINTS) {
    it(`${endpoint.type}: stores it pending and emails the contact a confirmation naming the type and host only`, async () => {
      const f = await fixture();
      const res = await subscribeChannel(f, { type: endpoint.type, url: endpoint.url, contactEmail: 'Ops@Customer.example', scope: 'some', componentIds: [f.api] });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(textOf(res.text)).toContain('Check the contact’s inbox');
      const rows = await channelRows(f);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        type: endpoint.type,
        url: new URL(endpoint.url).href,
        contactEmail: 'ops@customer.example',
        status: 'pending',
        signingSecret: null,
        allComponents: false,
        componentIds: [f.api],
        groupIds: [],
        lastNoticeAt: f.clock.now(),
        confirmedAt: null,
        createdAt: f.clock.now(),
        lastSuccessAt: null,
        lastFailureAt: null,
        failingSince: null,
        disabledAt: null,
        disabledNoticeAt: null,
      });
      expect(f.mail.sent).toHaveLength(1);
      const email = f.mail.sent[0]!;
      expect(email.to).toBe('ops@customer.example');
      expect(email.subject).toBe(`Confirm ${endpoint.label} updates from Test Cloud`);
      expect(email.text).toContain(endpoint.host);
      expect(email.text).toContain('- API');
      expect(email.html).toContain(`<strong>${endpoint.host}</strong>`);
      expectNoUrlSecrets(email.text);
      expectNoUrlSecrets(email.html);
      // Transactional: no list headers.
      expect(email.headers['List-Unsubscribe']).toBeUndefined();
      const token = decodeURIComponent(linkIn(email, 'confirm'));
      expect(token).toBe(`${rows[0]!.id}.${rows[0]!.secret}`);
      expect(email.text).toContain(`http://status.test/subscribe/channels/confirm/${encodeURIComponent(token)}`);
    });
  }

  it('answers the same for a new, a pending and a confirmed endpoint, and emails only the contact on record', async () => {
    const f = await fixture();
    const url = 'https://hooks.slack.com/services/T1/B1/abc';
    const first = await subscribeChannel(f, { type: 'slack', url });
    const token = decodeURIComponent(linkIn(f.mail.sent[0]!, 'confirm'));

    // Pending, within the interval: the same answer, the choice updated, no second email.
    const again = await subscribeChannel(f, { type: 'slack', url, scope: 'some', groupIds: [f.group] });
    expect(again.status).toBe(first.status);
    expect(again.text).toBe(first.text);
    expect(f.mail.sent).toHaveLength(1);
    expect((await channelRows(f))[0]).toMatchObject({ allComponents: false, groupIds: [f.group] });

    // Pending, after the interval: the confirmation again.
    f.clock.advance(NOTICE_INTERVAL_MS);
    await subscribeChannel(f, { type: 'slack', url });
    expect(f.mail.sent).toHaveLength(2);
    expect(f.mail.sent[1]!.subject).toBe('Confirm Slack updates from Test Cloud');

    // Confirmed: someone else types the URL; the contact on record is told, the new address gets nothing.
    await post(f, `/subscribe/channels/confirm/${token}`);
    f.clock.advance(NOTICE_INTERVAL_MS);
    const later = await subscribeChannel(f, { type: 'slack', url, contactEmail: 'intruder@elsewhere.example' });
    expect(later.text).toBe(first.text);
    expect(f.mail.sent).toHaveLength(3);
    const already = f.mail.sent[2]!;
    expect(already.to).toBe('ops@customer.example');
    expect(already.subject).toBe('Slack updates from Test Cloud: already subscribed');
    expect(linkIn(already, 'manage')).toBe(encodeURIComponent(token));
    expect((await channelRows(f))[0]).toMatchObject({ contactEmail: 'ops@customer.example', status: 'confirmed' });

    // And not again within the interval.
    await subscribeChannel(f, { type: 'slack', url });
    expect(f.mail.sent).toHaveLength(3);
    expect(await channelRows(f)).toHaveLength(1);
  });

  it('a corrected contact while pending: the new contact is emailed at once, and the old contact\u2019s link stops working', async () => {
    const f = await fixture();
    const url = 'https://hooks.slack.com/services/T1/B1/typo';
    await subscribeChannel(f, { type: 'slack', url, contactEmail: 'opz@customer.example' });
    const oldToken = linkIn(f.mail.sent[0]!, 'confirm');
    // Within the interval: the correction is emailed anyway, to the corrected address.
    await subscribeChannel(f, { type: 'slack', url, contactEmail: 'ops@customer.example' });
    expect(f.mail.sent.map((m) => m.to)).toEqual(['opz@customer.example', 'ops@customer.example']);
    const newToken = linkIn(f.mail.sent[1]!, 'confirm');
    expect(newToken).not.toBe(oldToken);
    expect((await post(f, `/subscribe/channels/confirm/${oldToken}`)).status).toBe(404);
    expect((await channelRows(f))[0]).toMatchObject({ status: 'pending', contactEmail: 'ops@customer.example' });
    expect((await post(f, `/subscribe/channels/confirm/${newToken}`)).status).toBe(200);
    expect((await channelRows(f))[0]).toMatchObject({ status: 'confirmed' });
  });

  it('stores one subscription and sends one email when a new endpoint is submitted twice at once', async () => {
    const f = await fixture();
    const fields = { type: 'webhook', url: 'https://hooks.customer.example/race', contactEmail: 'ops@customer.example', scope: 'all' };
    const answers = await Promise.all([post(f, '/subscribe/channels', fields), post(f, '/subscribe/channels', fields)]);
    await f.settle();
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(answers[0]!.text).toBe(answers[1]!.text);
    expect(await channelRows(f)).toHaveLength(1);
    expect(f.mail.sent).toHaveLength(1);
  });

  it('sends one email when the same pending endpoint is submitted twice at once', async () => {
    const f = await fixture();
    const url = 'https://discord.com/api/webhooks/1/abc';
    await subscribeChannel(f, { type: 'discord', url });
    f.clock.advance(NOTICE_INTERVAL_MS);
    await Promise.all([post(f, '/subscribe/channels', { type: 'discord', url, contactEmail: 'ops@customer.example', scope: 'all' }), post(f, '/subscribe/channels', { type: 'discord', url, contactEmail: 'ops@customer.example', scope: 'all' })]);
    await f.settle();
    expect(f.mail.sent).toHaveLength(2);
  });

  it('is not offered without email (there is no way to confirm)', async () => {
    const f = await fixture();
    Object.assign(f, { mail: null });
    const res = await post(f, '/subscribe/channels', { type: 'slack', url: 'https://hooks.slack.com/services/a', contactEmail: 'ops@customer.example' });
    expect(res.status).toBe(404);
    expect(await channelRows(f)).toEqual([]);
    expect((await get(f, '/subscribe')).text).not.toContain('action="/subscribe/channels"');
  });
});

describe('confirming', () => {
  it('shows a button on GET and changes nothing (link scanners), then confirms on POST', async () => {
    const f = await fixture();
    const { token, id } = await pending(f, 'slack', ENDPOINTS[1].url);
    const page = await get(f, `/subscribe/channels/confirm/${encodeURIComponent(token)}`);
    expect(page.status).toBe(200);
    expectCleanHtml(page.text);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.text).toContain(`<form method="post" action="/subscribe/channels/confirm/${token}">`);
    expect(page.text).toContain('hooks.slack.com');
    expectNoUrlSecrets(page.text);
    expect((await f.repos.channelSubscribers.findById(id))!.status).toBe('pending');

    const done = await post(f, `/subscribe/channels/confirm/${token}`);
    expect(done.status).toBe(200);
    expectCleanHtml(done.text);
    expect(textOf(done.text)).toContain('You’re subscribed');
    expect(done.text).not.toContain('whsec_');
    const row = (await f.repos.channelSubscribers.findById(id))!;
    expect(row).toMatchObject({ status: 'confirmed', confirmedAt: f.clock.now(), signingSecret: null });
  });

  it('webhook: shows the signing secret once, on the confirming POST only; it verifies a signed message', async () => {
    const f = await fixture();
    const { token, id } = await pending(f, 'webhook', ENDPOINTS[0].url);
    const done = await post(f, `/subscribe/channels/confirm/${token}`);
    expectCleanHtml(done.text);
    const row = (await f.repos.channelSubscribers.findById(id))!;
    expect(row.status).toBe('confirmed');
    expect(isWebhookSecret(row.signingSecret!)).toBe(true);
    expect(done.text).toContain(row.signingSecret!);
    expect(done.text).toContain('webhook-signature');
    expect(done.headers.get('cache-control')).toBe('no-store');

    // The secret shown is the one deliveries sign with: the real Standard Webhooks library verifies it.
    const signed = await signWebhook({ secret: row.signingSecret!, id: 'msg_a_b', now: Date.now(), body: '{"x":1}' });
    expect(new Webhook(row.signingSecret!).verify(signed.body, signed.headers)).toEqual({ x: 1 });

    // Never again: not on the confirm link, the manage page, or a second POST.
    for (const res of [
      await get(f, `/subscribe/channels/confirm/${token}`),
      await post(f, `/subscribe/channels/confirm/${token}`),
      await get(f, `/subscribe/channels/manage/${token}`),
    ]) {
      expect(res.status).toBe(200);
      expect(res.text).not.toContain(row.signingSecret!);
      expect(res.text).not.toContain('whsec_');
    }
    expect((await f.repos.channelSubscribers.findById(id))!.signingSecret).toBe(row.signingSecret);
  });

  it('confirms exactly once when two POSTs race: one shows a secret, the other does not', async () => {
    const f = await fixture();
    const { token, id } = await pending(f, 'webhook', ENDPOINTS[0].url);
    const answers = await Promise.all([post(f, `/subscribe/channels/confirm/${token}`), post(f, `/subscribe/channels/confirm/${token}`)]);
    const row = (await f.repos.channelSubscribers.findById(id))!;
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(answers.filter((a) => a.text.includes('whsec_'))).toHaveLength(1);
    expect(answers.find((a) => a.text.includes('whsec_'))!.text).toContain(row.signingSecret!);
  });

  it('answers 404 for a wrong or malformed token, on every link, and changes nothing', async () => {
    const f = await fixture();
    const { token, id } = await pending(f, 'slack', ENDPOINTS[1].url);
    const wrong = `${id}.${'x'.repeat(32)}`;
    for (const bad of [wrong, id, `${token}.extra`, 'nonsense']) {
      for (const path of [`/subscribe/channels/confirm/${bad}`, `/subscribe/channels/manage/${bad}`, `/subscribe/channels/unsubscribe/${bad}`]) {
        expect((await get(f, path)).status).toBe(404);
        expect((await post(f, path)).status).toBe(404);
      }
    }
    expect((await f.repos.channelSubscribers.findById(id))!.status).toBe('pending');
  });
});

describe('managing', () => {
  it('shows the type, host, contact, status and health, never the URL path', async () => {
    const f = await fixture();
    const { token } = await confirmed(f, 'teams', ENDPOINTS[2].url);
    const res = await get(f, `/subscribe/channels/manage/${token}`);
    expect(res.status).toBe(200);
    expectCleanHtml(res.text);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-robots-tag')).toBe('noindex');
    const text = textOf(res.text);
    expect(text).toContain('Microsoft Teams');
    expect(text).toContain('prod-01.westeurope.logic.azure.com');
    expect(text).toContain('ops@customer.example');
    expect(text).toContain('Confirmed. Nothing has been sent to it yet.');
    expectNoUrlSecrets(res.text);
    // No signing secret for chat.
    expect(res.text).not.toContain('rotate-secret');
  });

  it('describes a failing and a disabled subscription in words, and re-enables a disabled one', async () => {
    const f = await fixture();
    const { token, id } = await confirmed(f, 'discord', ENDPOINTS[3].url);
    const now = f.clock.now();
    await f.db.atomic([f.repos.channelSubscribers.update(id, { lastFailureAt: now, lastFailureStatus: 503, lastFailureError: 'Service <Unavailable>', failingSince: now - 3600_000, updatedAt: now })]);
    const failing = await get(f, `/subscribe/channels/manage/${token}`);
    let text = textOf(failing.text);
    expect(text).toContain('Failing');
    expect(failing.text).toContain('Last failure: HTTP 503 (Service &lt;Unavailable&gt;)');

    await f.db.atomic([f.repos.channelSubscribers.update(id, { status: 'disabled', disabledAt: now, disabledNoticeAt: now, updatedAt: now })]);
    const page = await get(f, `/subscribe/channels/manage/${token}`);
    expect(page.text).toContain('Service &lt;Unavailable&gt;');
    text = textOf(page.text);
    expect(text).toContain('Disabled: every delivery failed for more than 72 hours');
    expect(page.text).toContain(`action="/subscribe/channels/manage/${token}/enable"`);

    const enabled = await post(f, `/subscribe/channels/manage/${token}/enable`);
    expect(enabled.status).toBe(200);
    expect(textOf(enabled.text)).toContain('Turned back on.');
    expect(await f.repos.channelSubscribers.findById(id)).toMatchObject({ status: 'confirmed', failingSince: null, disabledAt: null, disabledNoticeAt: null });
    // Re-enabling something that is not disabled does nothing.
    const again = await post(f, `/subscribe/channels/manage/${token}/enable`);
    expect(textOf(again.text)).not.toContain('Turned back on.');
  });

  it('changes the components, and refuses an empty choice with a field error', async () => {
    const f = await fixture();
    const { token, id } = await confirmed(f, 'slack', ENDPOINTS[1].url);
    const saved = await post(f, `/subscribe/channels/manage/${token}`, { scope: 'some', componentIds: [f.web], groupIds: [] });
    expect(saved.status).toBe(200);
    expect(textOf(saved.text)).toContain('Saved.');
    expect(textOf(saved.text)).toContain('Website');
    expect(await f.repos.channelSubscribers.findById(id)).toMatchObject({ allComponents: false, componentIds: [f.web], groupIds: [] });

    const refused = await post(f, `/subscribe/channels/manage/${token}`, { scope: 'some' });
    expect(refused.status).toBe(400);
    expectCleanHtml(refused.text);
    expect(refused.text).toContain('Choose at least one component or group');
    expect(refused.text).toContain('aria-describedby="scope-error"');
    expect(await f.repos.channelSubscribers.findById(id)).toMatchObject({ allComponents: false, componentIds: [f.web] });

    const all = await post(f, `/subscribe/channels/manage/${token}`, { scope: 'all' });
    expect(all.status).toBe(200);
    expect(await f.repos.channelSubscribers.findById(id)).toMatchObject({ allComponents: true, componentIds: [], groupIds: [] });
  });

  it('never shows or changes a webhook secret: the link to this page is in every message the endpoint receives', async () => {
    const f = await fixture();
    const { token, id, secret } = await confirmed(f, 'webhook', ENDPOINTS[0].url);
    const manage = await get(f, `/subscribe/channels/manage/${token}`);
    expect(manage.status).toBe(200);
    expect(manage.text).not.toContain(secret!);
    expect(manage.text).not.toContain('rotate-secret');
    expect(textOf(manage.text)).toContain('subscribe the endpoint again');
    expect((await post(f, `/subscribe/channels/manage/${token}/rotate-secret`)).status).toBe(404);
    expect((await f.repos.channelSubscribers.findById(id))!.signingSecret).toBe(secret);
  });
});

describe('unsubscribing', () => {
  it('shows a button on GET (nothing removed), removes the subscription on POST', async () => {
    const f = await fixture();
    const { token, id } = await confirmed(f, 'discord', ENDPOINTS[3].url);
    const page = await get(f, `/subscribe/channels/unsubscribe/${token}`);
    expect(page.status).toBe(200);
    expectCleanHtml(page.text);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.text).toContain(`<form method="post" action="/subscribe/channels/unsubscribe/${token}">`);
    expect(await f.repos.channelSubscribers.findById(id)).toBeDefined();

    const done = await post(f, `/subscribe/channels/unsubscribe/${token}`);
    expect(done.status).toBe(200);
    expect(textOf(done.text)).toContain('You’re unsubscribed');
    expect(await channelRows(f)).toEqual([]);
    expect((await get(f, `/subscribe/channels/manage/${token}`)).status).toBe(404);
  });

  it('accepts a one-click POST (RFC 8058 body, no cookie, no CSRF token)', async () => {
    const f = await fixture();
    const { token } = await confirmed(f, 'webhook', ENDPOINTS[0].url);
    const res = await send(f, 'POST', `/subscribe/channels/unsubscribe/${token}`, { body: 'List-Unsubscribe=One-Click' });
    expect(res.status).toBe(200);
    expect(await f.db.orm.select().from(channelSubscribers).where(eq(channelSubscribers.type, 'webhook')).all()).toEqual([]);
  });
});

describe('GET /subscribe/webhooks', () => {
  it('describes the Statuspage format, the signature headers, retries and the disabling, with example bodies', async () => {
    const f = await fixture();
    const res = await get(f, '/subscribe/webhooks');
    expect(res.status).toBe(200);
    expectCleanHtml(res.text);
    const text = textOf(res.text);
    for (const words of ['webhook-id', 'webhook-timestamp', 'webhook-signature', 'whsec_', '2xx', '72 hours', 'component_update', 'incident_updates']) {
      expect(text).toContain(words);
    }
    // The examples are the real builder's output: Statuspage's keys, in order, and this page's documentation link.
    const blocks = [...res.text.matchAll(/<pre tabindex="0"><code>([\s\S]*?)<\/code><\/pre>/g)].map((m) => m[1]!.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#39;/g, "'").replace(/&amp;/g, '&'));
    const incident = JSON.parse(blocks[0]!);
    expect(Object.keys(incident)).toEqual(['meta', 'page', 'incident']);
    expect(incident.meta.documentation).toBe('http://status.test/subscribe/webhooks');
    const component = JSON.parse(blocks[1]!);
    expect(Object.keys(component)).toEqual(['meta', 'page', 'component_update', 'component']);
    expect(component.component_update).toMatchObject({ old_status: 'operational', new_status: 'degraded_performance', component_type: 'Component' });
  });
});
