import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { mailOutbox, subscriberComponents, subscriberGroups, subscribers, type SubscriberRow } from '../../src/db/schema.js';
import type { SubscriberStatus } from '../../src/domain/constants.js';
import type { Deps } from '../../src/deps.js';
import { randomToken } from '../../src/lib/crypto.js';
import { newId } from '../../src/lib/ids.js';
import { SUBSCRIBE_LIMIT, subscriberToken } from '../../src/services/subscribers/subscriptions.js';
import { inspectHtml } from '../security/support.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { makeComponent, makeGroup } from '../support/factories.js';
import { textOf } from '../support/http.js';

/*
 * The public side of email subscriptions: the form, double opt-in, managing
 * preferences and (one-click) unsubscribing, through the real app.
 */

const NOON = Date.UTC(2026, 10, 23, 12, 0, 0);
const FORM = 'application/x-www-form-urlencoded';

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

async function send(deps: Deps, method: 'GET' | 'HEAD' | 'POST', path: string, init: { body?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers = { ...(init.body !== undefined ? { 'Content-Type': FORM } : {}), ...init.headers };
  const response = await createApp(deps).request(path, { method, body: init.body, headers });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

const get = (deps: Deps, path: string, headers?: Record<string, string>) => send(deps, 'GET', path, { headers });

/** POSTs form fields; an array value repeats the field (checkboxes). */
function post(deps: Deps, path: string, fields: Record<string, string | string[]> = {}, headers?: Record<string, string>): Promise<Answer> {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const v of [value].flat()) body.append(name, v);
  return send(deps, 'POST', path, { body: body.toString(), headers });
}

async function subscriberRows(deps: Deps): Promise<SubscriberRow[]> {
  return deps.db.orm.select().from(subscribers).all();
}

async function subscriberByEmail(deps: Deps, email: string): Promise<SubscriberRow> {
  const row = await deps.db.orm.select().from(subscribers).where(eq(subscribers.email, email)).get();
  if (!row) throw new Error(`no subscriber ${email}`);
  return row;
}

async function outboxFor(deps: Deps, subscriberId: string) {
  return deps.db.orm.select().from(mailOutbox).where(eq(mailOutbox.subscriberId, subscriberId)).all();
}

/** A subscriber in any state, written straight through the repo. */
async function addSubscriber(deps: Deps, email: string, status: SubscriberStatus): Promise<SubscriberRow> {
  const now = deps.clock.now();
  const id = newId();
  await deps.db.atomic(
    deps.repos.subscribers.insert(
      { id, email, status, secret: randomToken(24), source: 'form', createdAt: now, updatedAt: now, confirmedAt: status === 'confirmed' ? now : null },
      { all: true, componentIds: [], groupIds: [] },
    ),
  );
  return subscriberByEmail(deps, email);
}

async function fixture(): Promise<TestDeps & { group: string; api: string; web: string; secret: string; loose: string }> {
  const deps = await createTestDeps({ now: NOON });
  const group = await makeGroup(deps, 'Core');
  const api = await makeComponent(deps, { name: 'API', groupId: group });
  const web = await makeComponent(deps, { name: 'Website', groupId: group });
  const secret = await makeComponent(deps, { name: 'Secret backend', groupId: group, hidden: true });
  const loose = await makeComponent(deps, { name: 'Status emails' });
  return Object.assign(deps, { group, api, web, secret, loose });
}

describe('GET /subscribe', () => {
  it('offers the email form with "all components" by default, groups and visible components, and the feeds', async () => {
    const deps = await fixture();
    const res = await get(deps, '/subscribe');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<title>Subscribe to updates · Test Cloud</title>');
    const report = inspectHtml(res.text);
    expect(report.problems).toEqual([]);
    expect(report.parseErrors).toEqual([]);
    expect(res.text).toContain('<form method="post" action="/subscribe">');
    expect(res.text).toMatch(/<label for="email">Email address<\/label>/);
    expect(res.text).toMatch(/<input id="email" name="email" type="email"[^>]* value="">/);
    expect(res.text).toContain('<input type="radio" id="scope-all" name="scope" value="all" checked>');
    expect(res.text).toContain('<input type="radio" id="scope-some" name="scope" value="some">');
    expect(res.text).toContain(`<input type="checkbox" id="g-${deps.group}" name="groupIds" value="${deps.group}">`);
    for (const id of [deps.api, deps.web, deps.loose]) expect(res.text).toContain(`name="componentIds" value="${id}"`);
    // Hidden components are never offered.
    expect(res.text).not.toContain(deps.secret);
    expect(res.text).not.toContain('Secret backend');
    const text = textOf(res.text);
    expect(text).toContain('Core All of Core Including components added to it later. API Website');
    expect(text).toContain('Other components Status emails');
    for (const href of ['/history.rss', '/history.atom', '/maintenance.ics']) expect(res.text).toContain(`href="${href}"`);
    // No script at all, and the page is cached like the others.
    expect(res.text).not.toMatch(/<script/i);
    expect(res.headers.get('ETag')).toBeTruthy();
  });

  it('without email, says so and offers only the feeds; POST answers 404 and stores nothing', async () => {
    const deps = Object.assign(await fixture(), { mail: null });
    const page = await get(deps, '/subscribe');
    expect(page.status).toBe(200);
    expect(textOf(page.text)).toContain('Email updates are not set up on this page.');
    expect(page.text).not.toContain('<form');
    for (const href of ['/history.rss', '/history.atom', '/maintenance.ics']) expect(page.text).toContain(`href="${href}"`);
    const res = await post(deps, '/subscribe', { email: 'ada@example.com', scope: 'all' });
    expect(res.status).toBe(404);
    expect(textOf(res.text)).toContain('Email updates are not set up on this page.');
    expect(await subscriberRows(deps)).toEqual([]);
  });

  it('is linked from the status page and every other public page', async () => {
    const deps = await fixture();
    for (const path of ['/', '/history', '/no/such/page']) {
      const res = await get(deps, path);
      expect(res.text, path).toContain('<a href="/subscribe">Subscribe to updates</a>');
    }
  });
});

describe('double opt-in', () => {
  it('POST /subscribe makes a pending subscriber and queues one confirmation; only a POST to the link confirms', async () => {
    const deps = await fixture();
    const res = await post(deps, '/subscribe', { email: '  Ada@Example.COM ', scope: 'all' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('<title>Check your inbox · Test Cloud</title>');
    expect(res.headers.get('Cache-Control')).toBe('no-store');

    const subscriber = await subscriberByEmail(deps, 'ada@example.com');
    expect(subscriber).toMatchObject({ status: 'pending', allComponents: true, confirmedAt: null, source: 'form' });
    const queued = await outboxFor(deps, subscriber.id);
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ kind: 'confirm', status: 'queued' });

    const link = `/subscribe/confirm/${subscriberToken(subscriber)}`;
    // A link scanner fetching the link (even twice, even with HEAD) confirms nobody.
    for (let i = 0; i < 2; i++) {
      const page = await get(deps, link);
      expect(page.status).toBe(200);
      expect(page.text).toContain(`<form method="post" action="${link}">`);
      expect(page.text).toContain('<button type="submit">Confirm subscription</button>');
      expect(textOf(page.text)).toContain('ada@example.com');
    }
    expect((await send(deps, 'HEAD', link)).status).toBe(200);
    expect((await subscriberByEmail(deps, 'ada@example.com')).status).toBe('pending');

    const confirmed = await post(deps, link);
    expect(confirmed.status).toBe(200);
    expect(confirmed.text).toContain('<h1>You’re subscribed</h1>');
    expect(textOf(confirmed.text)).toContain('You get updates about all components');
    expect(confirmed.text).toContain(`href="/subscriptions/${subscriberToken(subscriber)}"`);
    expect(await subscriberByEmail(deps, 'ada@example.com')).toMatchObject({ status: 'confirmed', confirmedAt: NOON });

    // Confirming again is harmless.
    expect((await post(deps, link)).status).toBe(200);
    expect(await outboxFor(deps, subscriber.id)).toHaveLength(1);
  });

  it('keeps the components chosen ("only these"), ignoring unknown ids, and names them after confirming', async () => {
    const deps = await fixture();
    const res = await post(deps, '/subscribe', {
      email: 'grace@example.com',
      scope: 'some',
      componentIds: [deps.loose, 'zzzzzzzzzzzz', '<img src=x>', deps.secret],
      groupIds: [deps.group, 'nosuchgroup1'],
    });
    expect(res.status).toBe(200);
    const subscriber = await subscriberByEmail(deps, 'grace@example.com');
    expect(subscriber.allComponents).toBe(false);
    const components = await deps.db.orm.select().from(subscriberComponents).where(eq(subscriberComponents.subscriberId, subscriber.id)).all();
    expect(components.map((r) => r.componentId)).toEqual([deps.loose]);
    const groups = await deps.db.orm.select().from(subscriberGroups).where(eq(subscriberGroups.subscriberId, subscriber.id)).all();
    expect(groups.map((r) => r.groupId)).toEqual([deps.group]);

    const confirmed = await post(deps, `/subscribe/confirm/${subscriberToken(subscriber)}`);
    expect(textOf(confirmed.text)).toContain('You get updates about: Core Status emails');
  });

  it('accepts a single checkbox value where a list is expected, and a repeated email field, without failing', async () => {
    const deps = await fixture();
    const res = await send(deps, 'POST', '/subscribe', {
      body: `email=lin%40example.com&email=other%40example.com&scope=some&componentIds=${deps.api}&groupIds=`,
    });
    expect(res.status).toBe(200);
    const subscriber = await subscriberByEmail(deps, 'lin@example.com');
    const components = await deps.db.orm.select().from(subscriberComponents).where(eq(subscriberComponents.subscriberId, subscriber.id)).all();
    expect(components.map((r) => r.componentId)).toEqual([deps.api]);
    expect(await subscriberRows(deps)).toHaveLength(1);
  });
});

describe('POST /subscribe answers', () => {
  it('the same body and status whatever the address’s state: new, pending, confirmed, unsubscribed, suppressed', async () => {
    const deps = await fixture();
    await addSubscriber(deps, 'pending@example.com', 'pending');
    await addSubscriber(deps, 'confirmed@example.com', 'confirmed');
    await addSubscriber(deps, 'left@example.com', 'unsubscribed');
    await addSubscriber(deps, 'bounced@example.com', 'suppressed');
    const answers: Answer[] = [];
    for (const email of ['new@example.com', 'pending@example.com', 'confirmed@example.com', 'left@example.com', 'bounced@example.com']) {
      answers.push(await post(deps, '/subscribe', { email, scope: 'all' }));
    }
    const [first, ...rest] = answers;
    expect(first!.status).toBe(200);
    expect(textOf(first!.text)).toContain('Check your inbox');
    for (const answer of rest) {
      expect(answer.status).toBe(first!.status);
      expect(answer.text).toBe(first!.text);
      expect([...answer.headers.entries()]).toEqual([...first!.headers.entries()]);
    }
    // Behind the identical answers: a confirmation for new and pending (and the one who left), a note for the confirmed, nothing for the suppressed.
    const kinds = async (email: string) => (await outboxFor(deps, (await subscriberByEmail(deps, email)).id)).map((r) => r.kind);
    expect(await kinds('new@example.com')).toEqual(['confirm']);
    expect(await kinds('pending@example.com')).toEqual(['confirm']);
    expect(await kinds('confirmed@example.com')).toEqual(['already_subscribed']);
    expect(await kinds('left@example.com')).toEqual(['confirm']);
    expect(await kinds('bounced@example.com')).toEqual([]);
    expect((await subscriberByEmail(deps, 'bounced@example.com')).status).toBe('suppressed');
  });

  it('429 after the per-client limit, with the form again; other clients are not affected', async () => {
    const deps = await fixture();
    const client = { 'X-Test-Client': '198.51.100.7' };
    for (let i = 0; i < SUBSCRIBE_LIMIT; i++) {
      expect((await post(deps, '/subscribe', { email: `n${i}@example.com`, scope: 'all' }, client)).status).toBe(200);
    }
    const refused = await post(deps, '/subscribe', { email: 'one-more@example.com', scope: 'all' }, client);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('Retry-After')).toBe('3600');
    expect(textOf(refused.text)).toContain('Too many subscription requests from your network. Try again in an hour.');
    expect(refused.text).toContain('value="one-more@example.com"');
    expect(refused.text).toContain('<form method="post" action="/subscribe">');
    expect(await subscriberRows(deps)).toHaveLength(SUBSCRIBE_LIMIT);

    const other = await post(deps, '/subscribe', { email: 'elsewhere@example.com', scope: 'all' }, { 'X-Test-Client': '203.0.113.9' });
    expect(other.status).toBe(200);
  });

  it('400 with the message next to the field for a bad email, what was typed kept, and no row', async () => {
    const deps = await fixture();
    const res = await post(deps, '/subscribe', { email: 'not-an-address', scope: 'some', componentIds: [deps.api] });
    expect(res.status).toBe(400);
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    expect(res.text).toContain('<p class="field-error" id="email-error">Email address must be an email address such as ada@example.com.</p>');
    expect(res.text).toMatch(/<input id="email"[^>]* value="not-an-address" aria-invalid="true" aria-describedby="email-error">/);
    expect(res.text).toContain('role="alert"');
    // The choice is kept too.
    expect(res.text).toContain('<input type="radio" id="scope-some" name="scope" value="some" checked>');
    expect(res.text).toContain(`name="componentIds" value="${deps.api}" checked>`);
    expect(await subscriberRows(deps)).toEqual([]);
    expect(await deps.db.orm.select().from(mailOutbox).all()).toEqual([]);

    const empty = await post(deps, '/subscribe', {});
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('id="email-error"');
  });

  it('400 for "only these" with nothing chosen (or only unknown components)', async () => {
    const deps = await fixture();
    const choices: Record<string, string | string[]>[] = [
      { email: 'ada@example.com', scope: 'some' },
      { email: 'ada@example.com', scope: 'some', componentIds: ['zzzzzzzzzzzz'] },
      { email: 'ada@example.com', scope: 'some', componentIds: [deps.secret] },
    ];
    for (const fields of choices) {
      const res = await post(deps, '/subscribe', fields);
      expect(res.status).toBe(400);
      expect(res.text).toContain('<p class="field-error" id="scope-error">Choose at least one component or group, or &quot;All components&quot;.</p>');
      expect(res.text).toContain('value="ada@example.com"');
    }
    expect(await subscriberRows(deps)).toEqual([]);
  });

  it('400, not 500, for a scope value no form sends', async () => {
    const deps = await fixture();
    const res = await post(deps, '/subscribe', { email: 'ada@example.com', scope: 'everything' });
    expect(res.status).toBe(400);
    expect(await subscriberRows(deps)).toEqual([]);
  });

  it('escapes hostile input shown back in the form', async () => {
    const deps = await fixture();
    const hostile = '"><script>alert(1)</script><img src=x onerror=alert(2)>';
    const res = await post(deps, '/subscribe', { email: hostile, scope: 'all' });
    expect(res.status).toBe(400);
    expect(res.text).not.toContain('<script>alert(1)</script>');
    expect(res.text).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"');
    const report = inspectHtml(res.text);
    expect(report.problems).toEqual([]);
    expect(report.parseErrors).toEqual([]);
    expect(report.text).toContain(hostile);
  });
});

describe('managing a subscription', () => {
  it('shows the address, status and choice, saves a component choice, and switches back to all', async () => {
    const deps = await fixture();
    const subscriber = await addSubscriber(deps, 'ada@example.com', 'confirmed');
    const path = `/subscriptions/${subscriberToken(subscriber)}`;
    const page = await get(deps, path);
    expect(page.status).toBe(200);
    expect(textOf(page.text)).toContain('Email ada@example.com Status Subscribed');
    expect(page.text).toContain(`<form method="post" action="${path}">`);
    expect(page.text).toContain('<input type="radio" id="scope-all" name="scope" value="all" checked>');
    expect(page.text).toContain(`<form method="post" action="/unsubscribe/${subscriberToken(subscriber)}">`);
    expect(inspectHtml(page.text).parseErrors).toEqual([]);

    const saved = await post(deps, path, { scope: 'some', componentIds: [deps.api, 'zzzzzzzzzzzz'], groupIds: deps.group });
    expect(saved.status).toBe(200);
    expect(textOf(saved.text)).toContain('Saved. You get updates about: Core API');
    expect(saved.text).toContain(`name="componentIds" value="${deps.api}" checked>`);
    expect(saved.text).toContain(`name="groupIds" value="${deps.group}" checked>`);
    const componentRows = () =>
      deps.db.orm.select().from(subscriberComponents).where(eq(subscriberComponents.subscriberId, subscriber.id)).all();
    const groupRows = () => deps.db.orm.select().from(subscriberGroups).where(eq(subscriberGroups.subscriberId, subscriber.id)).all();
    expect((await componentRows()).map((r) => r.componentId)).toEqual([deps.api]);
    expect((await groupRows()).map((r) => r.groupId)).toEqual([deps.group]);
    expect((await subscriberByEmail(deps, 'ada@example.com')).allComponents).toBe(false);

    // Pre-filled when coming back.
    const again = await get(deps, path);
    expect(again.text).toContain('<input type="radio" id="scope-some" name="scope" value="some" checked>');
    expect(again.text).toContain(`name="componentIds" value="${deps.api}" checked>`);
    expect(again.text).not.toContain(`name="componentIds" value="${deps.web}" checked>`);

    // Nothing chosen: refused, nothing changed.
    const refused = await post(deps, path, { scope: 'some' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('id="scope-error"');
    expect((await componentRows()).map((r) => r.componentId)).toEqual([deps.api]);

    const all = await post(deps, path, { scope: 'all', componentIds: deps.api });
    expect(all.status).toBe(200);
    expect(textOf(all.text)).toContain('Saved. You get updates about all components');
    expect(await componentRows()).toEqual([]);
    expect(await groupRows()).toEqual([]);
    expect((await subscriberByEmail(deps, 'ada@example.com')).allComponents).toBe(true);
  });

  it('says so when unsubscribed, with a link to subscribe again, and saves nothing', async () => {
    const deps = await fixture();
    const subscriber = await addSubscriber(deps, 'left@example.com', 'unsubscribed');
    const path = `/subscriptions/${subscriberToken(subscriber)}`;
    const page = await get(deps, path);
    expect(page.status).toBe(200);
    expect(textOf(page.text)).toContain('This address is unsubscribed');
    expect(page.text).toContain('<a href="/subscribe">Subscribe again</a>');
    expect(page.text).not.toContain('name="scope"');
    await post(deps, path, { scope: 'some', componentIds: deps.api });
    expect(await deps.db.orm.select().from(subscriberComponents).all()).toEqual([]);
    expect((await subscriberByEmail(deps, 'left@example.com')).allComponents).toBe(true);
  });
});

describe('unsubscribing', () => {
  it('GET /unsubscribe/:token shows a button and changes nothing', async () => {
    const deps = await fixture();
    const subscriber = await addSubscriber(deps, 'ada@example.com', 'confirmed');
    const path = `/unsubscribe/${subscriberToken(subscriber)}`;
    for (let i = 0; i < 2; i++) {
      const page = await get(deps, path);
      expect(page.status).toBe(200);
      expect(page.text).toContain(`<form method="post" action="${path}">`);
      expect(page.text).toContain('<button type="submit">Unsubscribe</button>');
    }
    expect((await subscriberByEmail(deps, 'ada@example.com')).status).toBe('confirmed');
  });

  it('RFC 8058 one-click: POST List-Unsubscribe=One-Click with no cookie unsubscribes and skips what is queued; idempotent', async () => {
    const deps = await fixture();
    const subscriber = await addSubscriber(deps, 'ada@example.com', 'confirmed');
    const now = deps.clock.now();
    await deps.db.atomic([deps.repos.outbox.enqueue('already_subscribed', subscriber.id, now), deps.repos.outbox.enqueue('confirm', subscriber.id, now)]);
    const path = `/unsubscribe/${subscriberToken(subscriber)}`;
    const res = await send(deps, 'POST', path, { body: 'List-Unsubscribe=One-Click', headers: { 'Content-Type': FORM } });
    expect(res.status).toBe(200);
    expect(res.text).toContain('<h1>You’re unsubscribed</h1>');
    expect(res.text).toContain(`href="/subscriptions/${subscriberToken(subscriber)}"`);
    expect((await subscriberByEmail(deps, 'ada@example.com')).status).toBe('unsubscribed');
    const rows = await outboxFor(deps, subscriber.id);
    expect(rows.map((r) => r.status)).toEqual(['skipped', 'skipped']);

    // Again, and with other bodies (an empty one, a multipart one): the same answer, no error.
    expect((await send(deps, 'POST', path)).status).toBe(200);
    const multipart = new FormData();
    multipart.set('List-Unsubscribe', 'One-Click');
    const response = await createApp(deps).request(path, { method: 'POST', body: multipart });
    expect(response.status).toBe(200);
    expect((await subscriberByEmail(deps, 'ada@example.com')).status).toBe('unsubscribed');

    // The page after says so.
    const page = await get(deps, path);
    expect(textOf(page.text)).toContain('ada@example.com gets no email updates');
  });

  it('unsubscribing a pending subscriber skips its queued confirmation', async () => {
    const deps = await fixture();
    await post(deps, '/subscribe', { email: 'ada@example.com', scope: 'all' });
    const subscriber = await subscriberByEmail(deps, 'ada@example.com');
    await post(deps, `/unsubscribe/${subscriberToken(subscriber)}`);
    expect((await subscriberByEmail(deps, 'ada@example.com')).status).toBe('unsubscribed');
    expect((await outboxFor(deps, subscriber.id)).map((r) => r.status)).toEqual(['skipped']);
  });
});

describe('link tokens', () => {
  async function withSubscriber() {
    const deps = await fixture();
    const subscriber = await addSubscriber(deps, 'ada@example.com', 'confirmed');
    return { deps, subscriber, token: subscriberToken(subscriber) };
  }

  it('send no-store and no-referrer on every page that holds one', async () => {
    const { deps, token } = await withSubscriber();
    const answers = [
      await get(deps, `/subscribe/confirm/${token}`),
      await post(deps, `/subscribe/confirm/${token}`),
      await get(deps, `/subscriptions/${token}`),
      await post(deps, `/subscriptions/${token}`, { scope: 'all' }),
      await get(deps, `/unsubscribe/${token}`),
      await post(deps, `/unsubscribe/${token}`),
      await get(deps, `/unsubscribe/${token.slice(0, -2)}xx`),
    ];
    for (const answer of answers) {
      expect(answer.headers.get('Cache-Control')).toBe('no-store');
      expect(answer.headers.get('Referrer-Policy')).toBe('no-referrer');
      expect(answer.text).not.toMatch(/<script/i);
      expect(inspectHtml(answer.text).problems).toEqual([]);
    }
  });

  it('a wrong secret with a valid id, or a malformed token, is a 404 everywhere and changes nothing', async () => {
    const { deps, subscriber } = await withSubscriber();
    const wrong = [
      `${subscriber.id}.${randomToken(24)}`,
      subscriber.id,
      `${subscriber.id}.`,
      'nonsense',
      `zzzzzzzzzzzz.${subscriber.secret}`,
      // The right token with more segments after it is not the token.
      `${subscriber.id}.${subscriber.secret}.extra`,
      `${subscriber.id}.${subscriber.secret}.`,
    ];
    for (const token of wrong) {
      for (const [method, path] of [
        ['GET', `/subscribe/confirm/${token}`],
        ['POST', `/subscribe/confirm/${token}`],
        ['GET', `/subscriptions/${token}`],
        ['POST', `/subscriptions/${token}`],
        ['GET', `/unsubscribe/${token}`],
        ['POST', `/unsubscribe/${token}`],
      ] as const) {
        const res = method === 'GET' ? await get(deps, path) : await post(deps, path, { scope: 'some', componentIds: deps.api });
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.text).toContain('<title>Page not found</title>');
        expect(res.text).not.toContain('ada@example.com');
      }
    }
    expect(await subscriberByEmail(deps, 'ada@example.com')).toMatchObject({ status: 'confirmed', allComponents: true });
  });

  it('a suppressed address cannot be confirmed from its link', async () => {
    const deps = await fixture();
    const subscriber = await addSubscriber(deps, 'bounced@example.com', 'suppressed');
    const link = `/subscribe/confirm/${subscriberToken(subscriber)}`;
    const page = await get(deps, link);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('<form');
    expect((await post(deps, link)).status).toBe(400);
    expect((await subscriberByEmail(deps, 'bounced@example.com')).status).toBe('suppressed');
  });
});
