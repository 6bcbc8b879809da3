import { z } from 'zod';
import { DELIVERY_STATUSES, DESTINATION_TYPES, NOTIFICATION_KINDS, SEVERITIES } from '../domain/constants.js';
import type { DeliveryView, DestinationView } from '../services/destinations/reads.js';
import { Id, model, Time } from './api-v1-models.js';

/*
 * The management API's destination models (see api-v1-models.ts: one zod
 * definition each, types inferred) and the mapping to them. A destination's
 * URL appears only masked (`url_masked`); its signing secret only in the
 * answers that create or rotate it.
 */

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

export const DestinationDeliveryModel = model(
  'DestinationDelivery',
  z.strictObject({
    id: z.number().int().describe('Queue order'),
    message_id: z.string().describe('Stable across retries: the Standard Webhooks webhook-id'),
    kind: z.enum(NOTIFICATION_KINDS),
    incident_id: Id.nullable().describe('null for a test message'),
    status: z.enum(DELIVERY_STATUSES).describe('queued: waiting (first try or a retry); sending; sent; failed: gave up'),
    attempts: z.number().int().min(0),
    response_status: z.number().int().nullable().describe('HTTP status of the last attempt; null when none came back'),
    latency_ms: z.number().int().nullable().describe('Duration of the last attempt'),
    error: z.string().nullable().describe('Why the last attempt failed (never holds the URL)'),
    created_at: Time.describe('When it was queued'),
    last_attempt_at: Time.nullable(),
    finished_at: Time.nullable(),
  }),
);

const destinationShape = {
  id: Id,
  name: z.string(),
  type: z.enum(DESTINATION_TYPES),
  url_masked: z.string().describe('Scheme, host and a short first path segment: the URL is a secret and is never shown in full'),
  has_signing_secret: z.boolean().describe('Webhook destinations sign every message (Standard Webhooks)'),
  severities: z.array(z.union(SEVERITIES.map((s) => z.literal(s)))).nullable().describe('The severities it gets; null: every severity'),
  components: z.array(Id).nullable().describe('It gets incidents touching any of these components; null: every incident'),
  allow_private: z.boolean().describe('Private network addresses allowed (a self-hosted server)'),
  paused: z.boolean().describe('Paused destinations get nothing new; what is queued waits'),
  paused_at: Time.nullable(),
  created_at: Time,
  updated_at: Time,
  last_delivery: DestinationDeliveryModel.nullable(),
};

export const DestinationModel = model('Destination', z.strictObject(destinationShape));

export const DestinationListModel = model('DestinationList', z.strictObject({ data: z.array(DestinationModel) }));

export const DestinationDetailModel = model(
  'DestinationDetail',
  z.strictObject({ ...destinationShape, deliveries: z.array(DestinationDeliveryModel).describe('The delivery log, newest first (the latest 50)') }),
);

export const CreatedDestinationModel = model(
  'CreatedDestination',
  z.strictObject({
    ...destinationShape,
    signing_secret: z
      .string()
      .nullable()
      .describe('Webhook destinations: the new signing secret ("whsec_..."). Shown in this answer only; null for other types or when unchanged'),
  }),
);

export const SigningSecretModel = model(
  'SigningSecret',
  z.strictObject({
    id: Id,
    signing_secret: z.string().describe('The new "whsec_..." secret, shown in this answer only; the old one stops verifying at once'),
  }),
);

export const TestMessageModel = model(
  'TestMessage',
  z.strictObject({
    delivery: DestinationDeliveryModel.describe('The queued test message (kind test), sent through the same outbox as real messages'),
    paused: z.boolean().describe('The destination is paused: the test waits in its queue and goes out when it is resumed'),
  }),
);

export type ApiDestination = z.output<typeof DestinationModel>;
export type ApiDestinationDelivery = z.output<typeof DestinationDeliveryModel>;

export function presentApiDelivery(d: DeliveryView): ApiDestinationDelivery {
  return {
    id: d.id,
    message_id: d.messageId,
    kind: d.kind,
    incident_id: d.incidentId,
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

export function presentApiDestination(d: DestinationView): ApiDestination {
  return {
    id: d.id,
    name: d.name,
    type: d.type,
    url_masked: d.urlMasked,
    has_signing_secret: d.hasSigningSecret,
    severities: d.severities as ApiDestination['severities'],
    components: d.componentIds,
    allow_private: d.allowPrivate,
    paused: d.pausedAt !== null,
    paused_at: isoOrNull(d.pausedAt),
    created_at: iso(d.createdAt),
    updated_at: iso(d.updatedAt),
    last_delivery: d.lastDelivery ? presentApiDelivery(d.lastDelivery) : null,
  };
}
