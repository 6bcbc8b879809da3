import { z } from 'zod';
import type { ChannelDeliveryCounts } from '../db/repos/channel-admin-repo.js';
import {
  CHANNEL_HEALTHS,
  CHANNEL_SUBSCRIBER_STATUSES,
  CHANNEL_SUBSCRIBER_TYPES,
  CUSTOMER_NOTICE_KINDS,
  DELIVERY_STATUSES,
  type ChannelSubscriberStatus,
  type ChannelSubscriberType,
} from '../domain/constants.js';
import type { ChannelDeliveryView, ChannelSubscriberView } from '../services/customer-channels/reads.js';
import { Id, model, Time } from './api-v1-models.js';

/*
 * The management API's models of customers' webhook and chat subscribers
 * (see api-v1-models.ts: one zod definition each, types inferred) and the
 * mapping to them. The endpoint appears as its type, host and masked URL
 * only: a chat webhook URL is a secret, and so may a webhook's path be.
 */

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));
const Count = z.number().int().min(0);

export const ChannelStatusCountsModel = model(
  'ChannelStatusCounts',
  z.strictObject({ queued: Count.describe('Waiting (first try or a retry)'), sending: Count, sent: Count, failed: Count.describe('Gave up') }),
);

export const ChannelDeliveryCountsModel = model(
  'ChannelDeliveryCounts',
  z
    .strictObject({
      webhook: ChannelStatusCountsModel,
      slack: ChannelStatusCountsModel,
      teams: ChannelStatusCountsModel,
      discord: ChannelStatusCountsModel,
    })
    .describe('Messages to webhook and chat subscribers, per channel type and status'),
);

export const ChannelSubscriberDeliveryModel = model(
  'ChannelSubscriberDelivery',
  z.strictObject({
    id: z.number().int().describe('Queue order'),
    message_id: z.string().describe('Stable across retries: the Standard Webhooks webhook-id'),
    notice_id: Id,
    kind: z.enum(CUSTOMER_NOTICE_KINDS).describe('incident: an incident or maintenance update; component: a status change outside an incident'),
    update_id: Id.nullable().describe('The update announced (kind incident)'),
    component_id: Id.nullable().describe('The component that changed (kind component)'),
    status: z.enum(DELIVERY_STATUSES),
    attempts: Count,
    response_status: z.number().int().nullable().describe('HTTP status of the last attempt; null when none came back'),
    latency_ms: z.number().int().nullable(),
    error: z.string().nullable().describe('Why the last attempt failed (never holds the URL)'),
    created_at: Time.describe('When it was queued'),
    last_attempt_at: Time.nullable(),
    finished_at: Time.nullable(),
  }),
);

const subscriberShape = {
  id: Id,
  type: z.enum(CHANNEL_SUBSCRIBER_TYPES).describe('webhook (Statuspage format, Standard Webhooks signature), slack, teams or discord'),
  contact_email: z.string().describe('Who is told about confirmation, failures and disabling'),
  host: z.string().describe("The endpoint's host"),
  url_masked: z.string().describe('Scheme, host and a short first path segment: the URL is a secret and is never shown in full'),
  status: z.enum(CHANNEL_SUBSCRIBER_STATUSES).describe('pending: not confirmed yet; confirmed: gets notices; disabled: stopped after failing too long'),
  health: z
    .enum(CHANNEL_HEALTHS)
    .nullable()
    .describe('healthy: no failure since the last success; failing: failures since then; disabled; null while pending'),
  has_signing_secret: z.boolean().describe('Webhooks sign every message (the secret is shown to the subscriber once, never here)'),
  all_components: z.boolean(),
  component_ids: z.array(Id).describe('Components chosen (empty when all_components)'),
  group_ids: z.array(Id).describe('Component groups chosen (empty when all_components)'),
  created_at: Time,
  updated_at: Time,
  confirmed_at: Time.nullable(),
  last_success_at: Time.nullable(),
  last_failure_at: Time.nullable(),
  last_failure_status: z.number().int().nullable().describe('HTTP status of the last failure; null when none came back'),
  last_failure_error: z.string().nullable().describe('Why the last failure failed (never holds the URL)'),
  failing_since: Time.nullable().describe('The first failure since the last success; null while healthy'),
  disabled_at: Time.nullable(),
};

export const ChannelSubscriberModel = model('ChannelSubscriber', z.strictObject(subscriberShape));

export const ChannelSubscriberDetailModel = model(
  'ChannelSubscriberDetail',
  z.strictObject({
    ...subscriberShape,
    deliveries: z.array(ChannelSubscriberDeliveryModel).describe('The delivery log, newest first (the latest 50)'),
  }),
);

const statusCounts = z.strictObject({ pending: Count, confirmed: Count, disabled: Count });

export const ChannelSubscriberListModel = model(
  'ChannelSubscriberList',
  z.strictObject({
    data: z.array(ChannelSubscriberModel),
    counts: z
      .strictObject({ webhook: statusCounts, slack: statusCounts, teams: statusCounts, discord: statusCounts })
      .describe('Subscribers per type and status, over the whole list (filters do not change them)'),
    pagination: z.strictObject({
      per_page: z.number().int(),
      has_more: z.boolean(),
      next_after: z.string().nullable().describe('Send it as `after` for the next page; null on the last page'),
    }),
  }),
);

export type ApiChannelSubscriber = z.output<typeof ChannelSubscriberModel>;
export type ApiChannelSubscriberDelivery = z.output<typeof ChannelSubscriberDeliveryModel>;
export type ApiChannelDeliveryCounts = z.output<typeof ChannelDeliveryCountsModel>;
export type ApiChannelSubscriberCounts = z.output<typeof ChannelSubscriberListModel>['counts'];

export function presentApiChannelSubscriber(v: ChannelSubscriberView): ApiChannelSubscriber {
  return {
    id: v.id,
    type: v.type,
    contact_email: v.contactEmail,
    host: v.host,
    url_masked: v.urlMasked,
    status: v.status,
    health: v.health,
    has_signing_secret: v.hasSigningSecret,
    all_components: v.allComponents,
    component_ids: v.allComponents ? [] : v.componentIds,
    group_ids: v.allComponents ? [] : v.groupIds,
    created_at: iso(v.createdAt),
    updated_at: iso(v.updatedAt),
    confirmed_at: isoOrNull(v.confirmedAt),
    last_success_at: isoOrNull(v.lastSuccessAt),
    last_failure_at: isoOrNull(v.lastFailureAt),
    last_failure_status: v.lastFailureStatus,
    last_failure_error: v.lastFailureError,
    failing_since: isoOrNull(v.failingSince),
    disabled_at: isoOrNull(v.disabledAt),
  };
}

export function presentApiChannelDelivery(d: ChannelDeliveryView): ApiChannelSubscriberDelivery {
  return {
    id: d.id,
    message_id: d.messageId,
    notice_id: d.noticeId,
    kind: d.kind,
    update_id: d.updateId,
    component_id: d.componentId,
    status: d.status,
    attempts: d.attempts,
    response_status: d.responseStatus,
    latency_ms: d.latencyMs,
    error: d.error,
    created_at: iso(d.createdAt),
    last_attempt_at: isoOrNull(d.lastAttemptAt),
    finished_at: isoOrNull(d.finishedAt),
  };
}

export function presentApiChannelCounts(counts: Record<ChannelSubscriberType, Record<ChannelSubscriberStatus, number>>): ApiChannelSubscriberCounts {
  return counts;
}

/** Per type: queued, sending, sent, failed (zeros when nothing was sent). */
export function presentApiChannelDeliveryCounts(counts: ChannelDeliveryCounts | undefined): ApiChannelDeliveryCounts {
  const of = (type: ChannelSubscriberType) => {
    const c = counts?.[type];
    return { queued: c?.queued ?? 0, sending: c?.sending ?? 0, sent: c?.sent ?? 0, failed: c?.failed ?? 0 };
  };
  return { webhook: of('webhook'), slack: of('slack'), teams: of('teams'), discord: of('discord') };
}
