import { z } from 'zod';
import { ANY_INCIDENT_STATUSES, SUBSCRIBER_STATUSES } from '../domain/constants.js';
import { ChannelDeliveryCountsModel } from './api-v1-channel-models.js';
import { Id, model, Time } from './api-v1-models.js';

/*
 * The management API's subscriber and email delivery models (see
 * api-v1-models.ts: one zod definition each, types inferred). Imported after
 * api-v1-models.ts, so they come after its models in openapi.json.
 */

/** The latest failed emails shown with an incident's delivery progress (as on the admin's page). */
export const FAILURES_SHOWN = 50;

const Count = z.number().int().min(0);

export const SubscriberModel = model(
  'Subscriber',
  z.strictObject({
    id: Id,
    email: z.string().describe('Lower-cased'),
    status: z
      .enum(SUBSCRIBER_STATUSES)
      .describe('pending: not confirmed yet; confirmed: gets update emails; unsubscribed: left; suppressed: bounced or complained, never emailed'),
    reason: z.string().nullable().describe('Why the address is suppressed (bounce, complaint); null otherwise'),
    source: z.string().describe('How they came: form, import or api'),
    all_components: z.boolean().describe('Subscribed to every component; otherwise to component_ids and group_ids'),
    component_ids: z.array(Id).describe('Components chosen (empty when all_components)'),
    group_ids: z.array(Id).describe('Component groups chosen, with the components added to them later (empty when all_components)'),
    created_at: Time,
    updated_at: Time,
    confirmed_at: Time.nullable().describe('When they confirmed (or were imported with consent)'),
  }),
);

export const SubscriberCountsModel = model(
  'SubscriberCounts',
  z
    .strictObject({ pending: Count, confirmed: Count, unsubscribed: Count, suppressed: Count })
    .describe('Subscribers per status, over the whole list (search and status filters do not change them)'),
);

export const CursorPaginationModel = model(
  'CursorPagination',
  z.strictObject({
    per_page: z.number().int(),
    has_more: z.boolean(),
    next_after: z.string().nullable().describe('Send it as `after` for the next page; null on the last page'),
  }),
);

export const SubscriberListModel = model(
  'SubscriberList',
  z.strictObject({ data: z.array(SubscriberModel), counts: SubscriberCountsModel, pagination: CursorPaginationModel }),
);

export const ImportReportModel = model(
  'ImportReport',
  z
    .strictObject({
      added: Count.describe('New subscribers'),
      existing: Count.describe('Addresses already known, left as they are (an import never resubscribes someone who left or bounced)'),
      duplicates: Count.describe('Addresses repeated in the import (counted once)'),
      invalid: z
        .array(z.strictObject({ line: Count.describe('From 1'), value: z.string(), reason: z.string() }))
        .describe('The first 100 lines that are not an email address'),
      invalid_count: Count.describe('Every invalid line, including those not listed'),
    })
    .describe('What an import did'),
);

export const UpdateDeliveryModel = model(
  'UpdateDelivery',
  z.strictObject({
    update_id: Id,
    status: z.enum(ANY_INCIDENT_STATUSES).describe('The status the update announced'),
    at: Time,
    preparing: z
      .boolean()
      .describe('Its emails are still being written into the outbox, a few thousand subscribers at a time, right after publishing: more will be queued'),
    queued: Count.describe('Waiting or being sent now'),
    sent: Count,
    failed: Count.describe('Failed for good'),
    skipped: Count.describe('Dropped before sending (the subscriber left or bounced meanwhile)'),
    total: Count,
    channels: ChannelDeliveryCountsModel.describe("The update's messages to webhook and chat subscribers (its customer notice), per channel type and status"),
  }),
);

export const DeliveryFailureModel = model(
  'DeliveryFailure',
  z.strictObject({
    update_id: Id,
    email: z.string().nullable().describe('The address; null unless the token may read subscribers (comms and up)'),
    reason: z.string().nullable().describe("The provider's answer, or why sending gave up"),
    at: Time.nullable().describe('When it failed for good'),
  }),
);

export const DeliveriesModel = model(
  'Deliveries',
  z
    .strictObject({
      incident_id: Id,
      in_progress: z.boolean().describe('Whether any email of it is still being prepared, queued or sent, or any webhook or chat message still queued or being sent'),
      transport: z.string().nullable().describe('Where emails go (resend, files); null when none is configured and emails wait'),
      updates: z.array(UpdateDeliveryModel).describe('Every update, newest first; zeros for those that sent no email'),
      latest_failures: z.array(DeliveryFailureModel).describe(`The ${FAILURES_SHOWN} latest failed emails, newest first`),
    })
    .describe('Email delivery progress of the updates of an incident or a maintenance'),
);

export const OutboxModel = model(
  'Outbox',
  z
    .strictObject({
      counts: z
        .strictObject({ queued: Count, sending: Count, sent: Count, failed: Count, skipped: Count })
        .describe('Emails per status, of every kind (updates, confirmations), over the last 30 days: older finished emails are pruned (per-update totals keep them)'),
      preparing: z.boolean().describe("Whether an update's emails are still being written into the outbox"),
      oldest_waiting_at: Time.nullable().describe('When the oldest email (or update being prepared) still waiting was queued; null when none waits'),
      transport: z.string().nullable().describe('Where emails go (resend, files); null when none is configured and emails wait'),
    })
    .describe('The email outbox as a whole'),
);

export type ApiSubscriber = z.output<typeof SubscriberModel>;
export type ApiSubscriberCounts = z.output<typeof SubscriberCountsModel>;
export type ApiCursorPagination = z.output<typeof CursorPaginationModel>;
export type ApiImportReport = z.output<typeof ImportReportModel>;
export type ApiUpdateDelivery = z.output<typeof UpdateDeliveryModel>;
export type ApiDeliveryFailure = z.output<typeof DeliveryFailureModel>;
export type ApiDeliveries = z.output<typeof DeliveriesModel>;
export type ApiOutbox = z.output<typeof OutboxModel>;
