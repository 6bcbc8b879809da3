// Shared by test/customer-channels/delivery*.test.ts: channel subscribers and
// customer notices written straight into the database, and a plain receiver.
import { and, eq } from 'drizzle-orm';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { customerNotices, type ChannelSubscriberRow, type CustomerNoticeRow } from '../../src/db/schema.js';
import type { Deps } from '../../src/deps.js';
import type { ComponentStatus } from '../../src/domain/constants.js';
import { newId } from '../../src/lib/ids.js';
import { generateWebhookSecret } from '../../src/channels/webhook.js';

type WriteDeps = Pick<Deps, 'repos' | 'db' | 'clock'>;

let counter = 0;

/** A confirmed channel subscriber (every component unless told), confirmed an hour before the clock. */
export async function makeChannelSubscriber(deps: WriteDeps, fields: Partial<ChannelSubscriberRow> = {}): Promise<string> {
  // Ids in creation order, so keyset chunks follow it.
  const id = fields.id ?? `cs${String(++counter).padStart(6, '0')}${newId(6)}`;
  const now = deps.clock.now();
  // One subscription per endpoint URL (a unique index): subscribers sharing a receiver differ by a query parameter.
  const url = fields.url ?? 'https://hooks.example.com/SECRET-PATH';
  await deps.db.atomic([
    deps.repos.channelSubscribers.insert({
      type: 'webhook',
      contactEmail: `ops-${id.toLowerCase()}@customer.test`,
      status: 'confirmed',
      secret: newId(24),
      signingSecret: generateWebhookSecret(),
      allComponents: true,
      componentIds: [],
      groupIds: [],
      createdAt: now - 3_600_000,
      updatedAt: now - 3_600_000,
      confirmedAt: now - 3_600_000,
      ...fields,
      url: `${url}${url.includes('?') ? '&' : '?'}subscriber=${id}`,
      id,
    }),
  ]);
  return id;
}

/**
 * The ready notice of an update: the one publishing wrote (services/customer-channels/notices.ts),
 * or a new one when this branch's publishing writes none.
 */
export async function noticeOfUpdate(deps: WriteDeps, updateId: string): Promise<string> {
  const existing = await deps.db.orm.select().from(customerNotices).where(and(eq(customerNotices.updateId, updateId), eq(customerNotices.kind, 'incident'))).get();
  if (existing) return existing.id;
  const id = newId();
  const now = deps.clock.now();
  await deps.db.atomic([deps.repos.customerNotices.insert({ id, kind: 'incident', updateId, state: 'ready', dueAt: now, createdAt: now, updatedAt: now })]);
  return id;
}

/** The notice of an incident's first update. */
export async function noticeOfIncident(deps: WriteDeps, incidentId: string): Promise<string> {
  const incident = await deps.repos.incidents.findById(incidentId);
  const first = incident!.updates[incident!.updates.length - 1]!;
  return noticeOfUpdate(deps, first.id);
}

/** A ready component notice (its flap window over). */
export async function componentNotice(deps: WriteDeps, componentId: string, oldStatus: ComponentStatus, newStatus: ComponentStatus): Promise<string> {
  const id = newId();
  const now = deps.clock.now();
  await deps.db.atomic([
    deps.repos.customerNotices.insert({ id, kind: 'component', componentId, oldStatus, newStatus, state: 'ready', dueAt: now, createdAt: now, updatedAt: now, emailCursor: '~' }),
  ]);
  return id;
}

export async function notice(deps: WriteDeps, id: string): Promise<CustomerNoticeRow> {
  return (await deps.repos.customerNotices.findById(id))!;
}

export interface PlainRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver that answers every POST with `status()` (no payload checks): for failures at any clock. */
export async function startPlainReceiver(status: () => number = () => 200): Promise<{ url: string; origin: string; received: PlainRequest[]; close(): Promise<void> }> {
  const received: PlainRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status(), { 'content-type': 'text/plain' }).end('answer');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/hooks/plain/SECRET-PATH`,
    origin,
    received,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
