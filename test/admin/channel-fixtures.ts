import type { Statement } from '../../src/db/database.js';
import type { NewChannelSubscriber } from '../../src/db/repos/channel-subscribers-repo.js';
import { customerDeliveries } from '../../src/db/schema.js';
import type { ChannelSubscriberType, DeliveryStatus } from '../../src/domain/constants.js';
import { randomToken } from '../../src/lib/crypto.js';
import { newId } from '../../src/lib/ids.js';
import type { TestDeps } from '../support/deps.js';

/*
 * Rows for the admin and API tests of webhook and chat subscribers, written
 * through the repos (the subscribe flow and the drainer are built beside
 * these pages). The URLs carry a recognizable secret path, so that a test
 * can prove it never comes back.
 */

/** The secret part of every test URL: it must never appear in a page, an answer or the audit log. */
export const SECRET_PATH = 'T0SECRET/B0SECRET/xoxSECRETtoken';

export const URLS: Record<ChannelSubscriberType, string> = {
  webhook: `https://status-hooks.customer.example/in/${SECRET_PATH}`,
  slack: `https://hooks.slack.com/services/${SECRET_PATH}`,
  teams: `https://acme.webhook.office.com/webhookb2/${SECRET_PATH}`,
  discord: `https://discord.com/api/webhooks/${SECRET_PATH}`,
};

export async function addChannelSubscriber(
  deps: TestDeps,
  fields: Partial<NewChannelSubscriber> & { type: ChannelSubscriberType },
): Promise<string> {
  const now = deps.clock.now();
  const id = newId();
  await deps.db.atomic([
    deps.repos.channelSubscribers.insert({
      id,
      // One subscription per URL: each gets its own query string, the secret path stays.
      url: `${URLS[fields.type]}?n=${id}`,
      contactEmail: `${fields.type}-${id}@customer.example`,
      status: 'confirmed',
      secret: randomToken(24),
      signingSecret: fields.type === 'webhook' ? 'whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0' : null,
      createdAt: now,
      updatedAt: now,
      confirmedAt: now,
      ...fields,
    }),
  ]);
  return id;
}

/** The customer notice of an update (kind incident), ready. */
export async function addUpdateNotice(deps: TestDeps, updateId: string): Promise<string> {
  const id = newId();
  const now = deps.clock.now();
  await deps.db.atomic([deps.repos.customerNotices.insert({ id, kind: 'incident', updateId, state: 'done', dueAt: now, createdAt: now, updatedAt: now })]);
  return id;
}

/** One delivery of a notice to a subscriber, in a given state. */
export async function addDelivery(
  deps: TestDeps,
  noticeId: string,
  subscriberId: string,
  status: DeliveryStatus,
  extra: { responseStatus?: number | null; error?: string | null; latencyMs?: number | null } = {},
): Promise<void> {
  const now = deps.clock.now();
  const statement = deps.db.orm.insert(customerDeliveries).values({
    messageId: `msg_${noticeId}_${subscriberId}`,
    noticeId,
    subscriberId,
    status,
    attempts: status === 'queued' ? 0 : 1,
    dueAt: now,
    responseStatus: extra.responseStatus ?? (status === 'sent' ? 200 : null),
    latencyMs: extra.latencyMs ?? null,
    error: extra.error ?? null,
    lastAttemptAt: status === 'queued' ? null : now,
    createdAt: now,
    finishedAt: status === 'sent' || status === 'failed' ? now : null,
  });
  await deps.db.atomic([statement as unknown as Statement]);
}
