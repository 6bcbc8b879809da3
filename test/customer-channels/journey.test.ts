// Issue 18's "done when", through the real Node entry (`npm start`'s code) on
// a real SQLite file: a customer pastes a Slack webhook URL and a
// Statuspage-webhook consumer's URL into /subscribe, confirms each by the
// emailed link (read from the .eml file the local mail transport writes),
// and the next published update reaches both within seconds, in the format
// each already understands (checked by the local receivers: Slack's limits;
// Statuspage's keys and the Standard Webhooks signature); the management API
// shows the deliveries; the unsubscribe link in the message works.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startReceiver, type AnyReceiverKind, type FakeReceiver } from '../support/fake-receivers.js';
import { api, createToken, killAll, removeTempDirs, startHerald, tempDir, type Herald } from '../faults/support.js';

const receivers: FakeReceiver<AnyReceiverKind>[] = [];
let herald: Herald | undefined;

afterAll(async () => {
  await herald?.stop();
  killAll();
  await Promise.all(receivers.map((r) => r.close()));
  removeTempDirs();
});

/** Every .eml file under `dir`, oldest first. */
function emails(dir: string): string[] {
  const found: { path: string; at: number }[] = [];
  const walk = (at: string): void => {
    let names: string[];
    try {
      names = readdirSync(at);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.eml')) found.push({ path, at: statSync(path).mtimeMs });
    }
  };
  walk(dir);
  return found.sort((a, b) => a.at - b.at).map((f) => readFileSync(f.path, 'utf8'));
}

async function until<T>(find: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await find();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function form(path: string, fields: Record<string, string>): Promise<Response> {
  return fetch(`${herald!.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
}

/** Subscribes `url` as `type`, and confirms it through the emailed link; the confirmation page's text. */
async function subscribeAndConfirm(mailDir: string, type: string, url: string, contact: string): Promise<string> {
  const before = emails(mailDir).length;
  const subscribed = await form('/subscribe/channels', { type, url, contactEmail: contact, scope: 'all' });
  expect(subscribed.status).toBeLessThan(400);
  const email = await until(() => emails(mailDir).slice(before).find((e) => e.includes(`To: ${contact}`)), `the confirmation email to ${contact}`);
  // The email names the host only: never the endpoint's secret path.
  expect(email).not.toContain(new URL(url).pathname);
  const link = email.match(/https?:\/\/[^\s"<>]+\/subscribe\/channels\/confirm\/[^\s"<>]+/)?.[0];
  expect(link).toBeDefined();
  const path = new URL(link!).pathname;
  // Opening the link changes nothing (chat apps and scanners prefetch); the button does.
  expect((await fetch(`${herald!.url}${path}`)).status).toBe(200);
  const confirmed = await form(path, {});
  expect(confirmed.status).toBe(200);
  return confirmed.text();
}

describe('a customer subscribes a Slack channel and a Statuspage consumer, and hears of the next update', { timeout: 180_000 }, () => {
  it('confirms by email, receives the update in each format within seconds, shows it in the admin API, and unsubscribes', async () => {
    const slack = await startReceiver('slack');
    const hook = await startReceiver('statuspage');
    receivers.push(slack, hook);
    const dir = tempDir();
    const databasePath = join(dir, 'data', 'herald.db');
    const mailDir = join(dir, 'data', 'mail');
    const token = await createToken(databasePath, 'admin');
    herald = await startHerald(databasePath, { OUTBOUND_ALLOW_LOOPBACK: '1' });

    await subscribeAndConfirm(mailDir, 'slack', slack.url, 'ops@customer.example');
    const confirmedHook = await subscribeAndConfirm(mailDir, 'webhook', hook.url, 'platform@customer.example');
    // The webhook's signing secret is shown once, on confirming: the receiver verifies with it.
    const secret = confirmedHook.match(/whsec_[A-Za-z0-9+/=]+/)?.[0];
    expect(secret).toBeDefined();
    hook.secret = secret!;

    const listed = await api(herald.url, token, 'GET', '/channel-subscribers');
    expect(listed.status).toBe(200);
    const subscribers = (listed.body as { data: { id: string; type: string; status: string }[] }).data;
    expect(subscribers.map((s) => [s.type, s.status]).sort()).toEqual([
      ['slack', 'confirmed'],
      ['webhook', 'confirmed'],
    ]);

    const declared = await api(herald.url, token, 'POST', '/incidents', { title: 'Checkout errors', severity: 2, body: 'We are investigating failed payments.' });
    expect(declared.status).toBe(201);
    const [slackMessage] = await slack.waitFor(1, 60_000);
    const [hookMessage] = await hook.waitFor(1, 60_000);
    // (How soon: bench/ measures it; a test asserts what arrives, not how fast on a shared machine.)

    expect(slack.received.every((r) => r.problems.length === 0)).toBe(true);
    expect(hook.received.every((r) => r.problems.length === 0)).toBe(true);
    expect(JSON.stringify(slackMessage!.json)).toContain('Checkout errors');
    expect(JSON.stringify(slackMessage!.json)).toContain('We are investigating failed payments.');
    const body = hookMessage!.json as {
      meta: { unsubscribe: string };
      incident: { name: string; status: string; incident_updates: { body: string }[] };
    };
    expect(body.incident.name).toBe('Checkout errors');
    expect(body.incident.status).toBe('investigating');
    expect(body.incident.incident_updates[0]!.body).toBe('We are investigating failed payments.');

    // The admin API shows each delivery as sent.
    const hookId = subscribers.find((s) => s.type === 'webhook')!.id;
    const detail = await until(async () => {
      const answer = await api(herald!.url, token, 'GET', `/channel-subscribers/${hookId}`);
      const deliveries = (answer.body as { deliveries: { status: string }[] }).deliveries;
      return deliveries.some((d) => d.status === 'sent') ? answer : undefined;
    }, 'the delivery recorded as sent');
    expect(JSON.stringify(detail.body)).not.toContain(new URL(hook.url).pathname);

    // The unsubscribe link in the message works (one-click POST), and the next update reaches only Slack.
    const unsubscribe = await fetch(body.meta.unsubscribe.replace(/^https?:\/\/[^/]+/, herald.url), { method: 'POST', redirect: 'manual' });
    expect(unsubscribe.status).toBeLessThan(400);
    const incidentId = (declared.body as { id: string }).id;
    const next = await api(herald.url, token, 'POST', `/incidents/${incidentId}/updates`, { status: 'identified', body: 'A bad deploy of the payment service.' });
    expect(next.status).toBe(201);
    await slack.waitFor(2, 60_000);
    expect(JSON.stringify(slack.received[1]!.json)).toContain('A bad deploy of the payment service.');
    expect(hook.received).toHaveLength(1);
  });
});
