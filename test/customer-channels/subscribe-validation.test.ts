import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { settings, subscribers } from '../../src/db/schema.js';
import { SUBSCRIBE_LIMIT, subscriberToken } from '../../src/services/subscribers/subscriptions.js';
import { inspectHtml } from '../security/support.js';
import { textOf } from '../support/http.js';
import { channelRows, fixture, get, post, subscribeChannel, type Fixture } from './subscribe-support.js';

/*
 * What the webhook/chat form refuses (SSRF targets, credentials, wrong
 * services, bad types, overlong values): a 400 naming the field, never a 500,
 * nothing stored and nothing sent; the throttle; and email subscribers'
 * opt-in to component status emails.
 */

async function expectRefused(f: Fixture, fields: { type: string; url: string; contactEmail?: string }, message: RegExp, field = 'channel-url'): Promise<string> {
  const res = await subscribeChannel(f, fields);
  expect(res.status, `${fields.type} ${fields.url.slice(0, 80)}`).toBe(400);
  const report = inspectHtml(res.text);
  expect(report.problems).toEqual([]);
  expect(report.parseErrors).toEqual([]);
  expect(textOf(res.text)).toMatch(message);
  // The message sits next to its field and is linked from it.
  if (field !== 'type') {
    expect(res.text).toContain(`id="${field}-error"`);
    expect(res.text).toMatch(new RegExp(`aria-describedby="${field}-hint ${field}-error" aria-invalid="true"`));
  } else {
    expect(res.text).toContain('aria-describedby="type-error"');
  }
  expect(await channelRows(f)).toEqual([]);
  expect(f.mail.sent).toEqual([]);
  return res.text;
}

describe('the endpoint URL: SSRF refusals (loopback not allowed, as in production)', () => {
  const strict = () => fixture({ config: { outbound: { allowLoopback: false } } });

  it('refuses loopback, private, link-local and unique-local literals', async () => {
    const f = await strict();
    await expectRefused(f, { type: 'webhook', url: 'http://127.0.0.1/hook' }, /must start with https:\/\//);
    await expectRefused(f, { type: 'webhook', url: 'https://127.0.0.1/hook' }, /points to a loopback address/);
    await expectRefused(f, { type: 'webhook', url: 'https://10.0.0.1/hook' }, /points to a private address: only addresses on the public internet/);
    await expectRefused(f, { type: 'teams', url: 'https://[::1]/hook' }, /points to a loopback address/);
    await expectRefused(f, { type: 'webhook', url: 'https://169.254.169.254/latest/meta-data/' }, /points to a link-local address/);
    await expectRefused(f, { type: 'webhook', url: 'https://[fd00::5]:8443/x' }, /points to a unique-local address/);
    await expectRefused(f, { type: 'webhook', url: 'https://[::ffff:10.0.0.1]/x' }, /private address/);
    // Odd spellings of an address are what the URL parser makes of them: 2130706433 is 127.0.0.1.
    await expectRefused(f, { type: 'webhook', url: 'https://2130706433/x' }, /loopback address/);
    expect(f.lookups).toEqual([]);
  });

  it('refuses host names that resolve to non-public addresses, through the injected resolver', async () => {
    const f = await strict();
    await expectRefused(f, { type: 'webhook', url: 'https://intranet.customer.example/hook' }, /host name that points to a private address/);
    await expectRefused(f, { type: 'teams', url: 'https://mixed.customer.example/hook' }, /host name that points to a private address/);
    await expectRefused(f, { type: 'webhook', url: 'https://metadata.customer.example/' }, /points to a link-local address/);
    await expectRefused(f, { type: 'webhook', url: 'https://v6local.customer.example/' }, /points to a unique-local address/);
    await expectRefused(f, { type: 'webhook', url: 'https://nowhere.customer.example/' }, /could not be found/);
    await expectRefused(f, { type: 'webhook', url: 'https://localhost/' }, /could not be found/);
    expect(f.lookups).toContain('intranet.customer.example');
  });

  it('accepts a public host name', async () => {
    const f = await strict();
    const res = await subscribeChannel(f, { type: 'webhook', url: 'https://hooks.customer.example/in' });
    expect(res.status).toBe(200);
    expect(await channelRows(f)).toHaveLength(1);
  });
});

describe('the endpoint URL: loopback for tests and development (OUTBOUND_ALLOW_LOOPBACK)', () => {
  it('accepts http and https to a loopback address, for every type', async () => {
    const f = await fixture();
    for (const [i, type] of ['webhook', 'slack', 'teams', 'discord'].entries()) {
      const res = await subscribeChannel(f, { type, url: `http://127.0.0.1:${4000 + i}/receiver` });
      expect(res.status, type).toBe(200);
    }
    expect((await channelRows(f)).map((r) => r.status)).toEqual(['pending', 'pending', 'pending', 'pending']);
  });

  it('still refuses http to a public host and private addresses', async () => {
    const f = await fixture();
    await expectRefused(f, { type: 'webhook', url: 'http://hooks.customer.example/x' }, /must start with https:\/\//);
    await expectRefused(f, { type: 'webhook', url: 'https://10.0.0.1/x' }, /private address/);
  });
});

describe('the form: other refusals', () => {
  it('refuses credentials in the URL, other schemes, garbage and overlong URLs', async () => {
    const f = await fixture();
    await expectRefused(f, { type: 'webhook', url: 'https://user:pass@hooks.customer.example/x' }, /must not contain a user name or password/);
    await expectRefused(f, { type: 'webhook', url: 'https://user@hooks.customer.example/x' }, /must not contain a user name or password/);
    await expectRefused(f, { type: 'webhook', url: 'ftp://hooks.customer.example/x' }, /must start with https:\/\//);
    await expectRefused(f, { type: 'webhook', url: 'javascript:alert(1)' }, /must start with https:\/\//);
    await expectRefused(f, { type: 'webhook', url: 'not a url' }, /must be a full URL/);
    await expectRefused(f, { type: 'webhook', url: '' }, /Endpoint URL is required/);
    await expectRefused(f, { type: 'webhook', url: `https://hooks.customer.example/${'a'.repeat(2_000)}` }, /at most 2,000 characters/);
    await expectRefused(f, { type: 'webhook', url: `https://hooks.customer.example/${'a'.repeat(50_000)}` }, /at most 2,000 characters/);
  });

  it('checks that Slack and Discord URLs are theirs, with a helpful message; Teams and webhooks take any https URL', async () => {
    const f = await fixture();
    await expectRefused(f, { type: 'slack', url: 'https://hooks.customer.example/services/x' }, /Slack incoming webhook URL, starting with https:\/\/hooks\.slack\.com\/services\//);
    await expectRefused(f, { type: 'slack', url: 'https://hooks.slack.com/' }, /Slack incoming webhook URL/);
    await expectRefused(f, { type: 'discord', url: 'https://discord.com/channels/1/2' }, /Discord channel webhook URL/);
    await expectRefused(f, { type: 'discord', url: 'https://hooks.customer.example/api/webhooks/1/x' }, /Discord channel webhook URL/);
    expect((await subscribeChannel(f, { type: 'discord', url: 'https://discordapp.com/api/webhooks/1/x' })).status).toBe(200);
    expect((await subscribeChannel(f, { type: 'teams', url: 'https://hooks.customer.example/teams' })).status).toBe(200);
  });

  it('refuses a missing or unknown type, and bad contact addresses', async () => {
    const f = await fixture();
    await expectRefused(f, { type: '', url: 'https://hooks.customer.example/x' }, /Choose Webhook, Slack, Microsoft Teams or Discord/, 'type');
    await expectRefused(f, { type: 'email', url: 'https://hooks.customer.example/x' }, /Choose Webhook, Slack, Microsoft Teams or Discord/, 'type');
    await expectRefused(f, { type: 'webhook', url: 'https://hooks.customer.example/x', contactEmail: 'nope' }, /Contact email must be an email address/, 'channel-contact');
    await expectRefused(f, { type: 'webhook', url: 'https://hooks.customer.example/x', contactEmail: `${'a'.repeat(300)}@example.com` }, /Contact email is too long/, 'channel-contact');
    await expectRefused(f, { type: 'webhook', url: 'https://hooks.customer.example/x', contactEmail: `${'a'.repeat(20_000)}@example.com` }, /Contact email is too long/, 'channel-contact');
  });

  it('refuses an empty component choice', async () => {
    const f = await fixture();
    const res = await subscribeChannel(f, { type: 'webhook', url: 'https://hooks.customer.example/x', scope: 'some' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('aria-describedby="ch-scope-error"');
    expect(res.text).toContain('href="#ch-scope-all"');
    expect(await channelRows(f)).toEqual([]);
  });

  it('shows what was typed back, escaped', async () => {
    const f = await fixture();
    const hostile = 'https://hooks.customer.example/"><script>alert(1)</script>';
    const res = await subscribeChannel(f, { type: 'slack', url: hostile, contactEmail: '"><img src=x onerror=alert(1)>' });
    expect(res.status).toBe(400);
    expect(res.text).not.toContain('<script>alert(1)');
    expect(res.text).not.toContain('<img src=x');
    expect(res.text).toContain('value="https://hooks.customer.example/&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(inspectHtml(res.text).problems).toEqual([]);
  });

  it('throttles each client address, refusing with 429 and Retry-After before any lookup', async () => {
    const f = await fixture();
    for (let i = 0; i < SUBSCRIBE_LIMIT; i++) {
      expect((await subscribeChannel(f, { type: 'webhook', url: `https://hooks.customer.example/${i}` }, { 'X-Test-Client': '198.51.100.7' })).status).toBe(200);
    }
    const lookups = f.lookups.length;
    const res = await subscribeChannel(f, { type: 'webhook', url: 'https://hooks.customer.example/more' }, { 'X-Test-Client': '198.51.100.7' });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(f.lookups.length).toBe(lookups);
    expect(await channelRows(f)).toHaveLength(SUBSCRIBE_LIMIT);
    // Another client is not affected.
    expect((await subscribeChannel(f, { type: 'webhook', url: 'https://hooks.customer.example/other' }, { 'X-Test-Client': '198.51.100.8' })).status).toBe(200);
  });
});

describe('email subscribers: component status emails', () => {
  async function componentNotifications(f: Fixture, on: boolean): Promise<void> {
    await f.db.atomic([f.db.orm.update(settings).set({ componentNotifications: on }).where(eq(settings.id, 1))]);
  }
  const LABEL = 'Also email me when a component’s status changes outside an incident';

  it('is not offered while the page does not send them, and a subscription stores no opt-in', async () => {
    const f = await fixture();
    expect((await get(f, '/subscribe')).text).not.toContain(LABEL);
    await post(f, '/subscribe', { email: 'reader@example.com', scope: 'all', componentUpdates: '1' });
    expect((await f.db.orm.select().from(subscribers).get())!.componentUpdates).toBe(false);
  });

  it('is offered on the subscribe and manage forms when the page sends them, and stored', async () => {
    const f = await fixture();
    await componentNotifications(f, true);
    const page = await get(f, '/subscribe');
    expect(page.text).toContain(LABEL);
    expect(page.text).toContain('<input type="checkbox" id="component-updates" name="componentUpdates" value="1">');
    expect(inspectHtml(page.text).parseErrors).toEqual([]);

    await post(f, '/subscribe', { email: 'reader@example.com', scope: 'all', componentUpdates: '1' });
    await post(f, '/subscribe', { email: 'other@example.com', scope: 'all' });
    const rows = await f.db.orm.select().from(subscribers).all();
    expect(rows.find((r) => r.email === 'reader@example.com')!.componentUpdates).toBe(true);
    expect(rows.find((r) => r.email === 'other@example.com')!.componentUpdates).toBe(false);

    const reader = rows.find((r) => r.email === 'reader@example.com')!;
    const token = encodeURIComponent(subscriberToken(reader));
    const manage = await get(f, `/subscriptions/${token}`);
    expect(manage.text).toContain('name="componentUpdates" value="1" checked');
    const saved = await post(f, `/subscriptions/${token}`, { scope: 'all' });
    expect(saved.status).toBe(200);
    expect(saved.text).toContain('name="componentUpdates" value="1">');
    expect((await f.repos.subscribers.findById(reader.id))!.componentUpdates).toBe(false);
    await post(f, `/subscriptions/${token}`, { scope: 'all', componentUpdates: '1' });
    expect((await f.repos.subscribers.findById(reader.id))!.componentUpdates).toBe(true);

    // Turned off on the page: the manage form no longer shows it, and saving leaves the stored choice alone.
    await componentNotifications(f, false);
    const off = await get(f, `/subscriptions/${token}`);
    expect(off.text).not.toContain(LABEL);
    await post(f, `/subscriptions/${token}`, { scope: 'all' });
    expect((await f.repos.subscribers.findById(reader.id))!.componentUpdates).toBe(true);
  });
});
