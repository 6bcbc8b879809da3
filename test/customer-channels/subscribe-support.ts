import { channelSubscribers, type ChannelSubscriberRow } from '../../src/db/schema.js';
import type { AppConfig } from '../../src/config.js';
import { createApp } from '../../src/app.js';
import type { BatchOutcome, MailTransport, OutgoingEmail } from '../../src/mail/transport.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { makeComponent, makeGroup } from '../support/factories.js';

/* Shared by the subscribe*.test.ts files: a real SQLite app with a recording mail transport and an injected resolver. */

export const NOON = Date.UTC(2026, 10, 23, 12, 0, 0);
const FORM = 'application/x-www-form-urlencoded';

/** Keeps every email it is given; accepts them all. */
export class RecordingMail implements MailTransport {
  readonly name = 'recording';
  readonly maxBatch = 100;
  readonly sent: OutgoingEmail[] = [];
  async sendBatch(emails: readonly OutgoingEmail[]): Promise<BatchOutcome> {
    this.sent.push(...emails);
    return { kind: 'accepted', results: emails.map((_, i) => ({ id: `rec-${this.sent.length}-${i}` })) };
  }
}

/** Public names the tests use, and one that resolves inside a private network. */
export const DNS: Record<string, string[]> = {
  'hooks.slack.com': ['34.200.10.1'],
  'discord.com': ['162.159.128.233'],
  'discordapp.com': ['162.159.128.233'],
  'prod-01.westeurope.logic.azure.com': ['20.50.2.3'],
  'hooks.customer.example': ['93.184.216.34'],
  'intranet.customer.example': ['10.20.30.40'],
  'mixed.customer.example': ['93.184.216.34', '192.168.1.5'],
  'metadata.customer.example': ['169.254.169.254'],
  'v6local.customer.example': ['fd00::1'],
};

export type Fixture = TestDeps & { mail: RecordingMail; group: string; api: string; web: string; lookups: string[] };

export async function fixture(options: { config?: Partial<AppConfig> } = {}): Promise<Fixture> {
  const deps = await createTestDeps({ now: NOON, config: options.config });
  const mail = new RecordingMail();
  const lookups: string[] = [];
  const group = await makeGroup(deps, 'Core');
  const api = await makeComponent(deps, { name: 'API', groupId: group });
  const web = await makeComponent(deps, { name: 'Website', groupId: group });
  return Object.assign(deps, {
    mail,
    lookups,
    group,
    api,
    web,
    outbound: {
      resolve: async (host: string) => {
        lookups.push(host);
        const found = DNS[host];
        if (!found) throw new Error(`ENOTFOUND ${host}`);
        return found;
      },
    },
  });
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

export async function send(deps: TestDeps, method: 'GET' | 'POST', path: string, init: { body?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers = { ...(init.body !== undefined ? { 'Content-Type': FORM } : {}), ...init.headers };
  const response = await createApp(deps).request(path, { method, body: init.body, headers });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

export const get = (deps: TestDeps, path: string): Promise<Answer> => send(deps, 'GET', path);

/** POSTs form fields; an array value repeats the field (checkboxes). */
export function post(deps: TestDeps, path: string, fields: Record<string, string | string[]> = {}, headers?: Record<string, string>): Promise<Answer> {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const v of [value].flat()) body.append(name, v);
  return send(deps, 'POST', path, { body: body.toString(), headers });
}

export async function channelRows(deps: TestDeps): Promise<ChannelSubscriberRow[]> {
  return deps.db.orm.select().from(channelSubscribers).all();
}

/** Submits the channel form and waits for the deferred email. */
export async function subscribeChannel(
  f: Fixture,
  fields: { type: string; url: string; contactEmail?: string; scope?: string; componentIds?: string[]; groupIds?: string[] },
  headers?: Record<string, string>,
): Promise<Answer> {
  const res = await post(f, '/subscribe/channels', { contactEmail: 'ops@customer.example', scope: 'all', ...fields }, headers);
  await f.settle();
  return res;
}

/** The link token in the last email's link to `kind`. */
export function linkIn(email: { text: string }, kind: 'confirm' | 'manage' | 'unsubscribe'): string {
  const match = new RegExp(`/subscribe/channels/${kind}/([A-Za-z0-9._%-]+)`).exec(email.text);
  if (!match) throw new Error(`no ${kind} link in:\n${email.text}`);
  return match[1]!;
}
