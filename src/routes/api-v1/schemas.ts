import { z } from 'zod';
import {
  ANY_INCIDENT_STATUSES,
  COMPONENT_STATUSES,
  IMPACTS,
  INCIDENT_KINDS,
  SEVERITIES,
  SUBSCRIBER_STATUSES,
} from '../../domain/constants.js';
import { ID_PATTERN } from '../../lib/ids.js';
import type {
  ApiComponent,
  ApiComponentGroup,
  ApiDeliveries,
  ApiImportReport,
  ApiIncident,
  ApiOutbox,
  ApiSettings,
  ApiSubscriber,
  ApiSubscriberCounts,
  ApiTemplate,
} from '../../presenters/api-v1.js';
import { PublicId } from '../../services/validation.js';
import { FAILURES_SHOWN } from './reads.js';

/*
 * Schemas shared by the /api/v1 operations. Requests are validated with them
 * and the OpenAPI document is generated from them (requests as their input
 * type, responses as registered models under components.schemas).
 */

/** Response models: each becomes components.schemas.<id> in openapi.json. */
export const models = z.registry<{ id: string }>();

function model<T extends z.ZodType>(id: string, schema: T): T {
  models.add(schema, { id });
  return schema;
}

/* ---- Request building blocks ---- */

/** An ISO 8601 time with an offset ("2026-11-23T14:30:00Z", "...+01:00"), parsed to epoch milliseconds. */
export const IsoTime = z
  .iso.datetime({ offset: true, error: 'must be an ISO 8601 time with a time zone, such as 2026-11-23T14:30:00Z' })
  .transform((text) => Date.parse(text));

/** A path id; a malformed one is answered 404 like an unknown one. */
export const IdParam = z.string().regex(ID_PATTERN);

export const IdPath = z.object({ id: IdParam.describe('A Herald id') });
export const UpdatePath = z.object({
  id: IdParam.describe('The incident or maintenance id'),
  update_id: IdParam.describe('The update id'),
});

export const RestoreComponentsInput = z
  .boolean()
  .default(true)
  .describe(
    'Only on a resolved update: set the components the incident affected back to operational, except those given a status in components. Defaults to true, as in the admin form; false leaves them as they are',
  );

export const SeverityInput = z
  .union(SEVERITIES.map((s) => z.literal(s)))
  .describe('1 (critical) to 4 (minor); internal, drives the response and never shown as "SEV" to customers');

export const ComponentStatusInput = z.enum(COMPONENT_STATUSES);

/** A component status change in a request ({component_id, status}), in the service's spelling once parsed. */
export const ComponentChangeInput = z
  .strictObject({
    component_id: PublicId.describe('Component id'),
    status: ComponentStatusInput.describe('The status the component is in from this update on'),
  })
  .transform((c) => ({ componentId: c.component_id, status: c.status }));

export const ListQuery = z.object({
  status: z
    .enum(['open', 'all'])
    .default('all')
    .describe('open: only those still open; all: open ones first, then the rest, newest first'),
  page: z.coerce.number().int().min(1).max(100_000).default(1).describe('Page number, from 1'),
  per_page: z.coerce.number().int().min(1).max(100).default(20).describe('Items per page (at most 100)'),
});

export const OrderInput = z
  .strictObject({
    ordered_ids: z
      .array(PublicId)
      .max(10_000)
      .describe('Ids in the order wanted; the ones not listed keep their order after them'),
  })
  .transform((b) => b.ordered_ids);

/* ---- Response models ---- */

const Time = z.iso.datetime();
const Id = z.string().describe('A Herald id');

export const ApiErrorModel = model(
  'Error',
  z
    .strictObject({
      error: z.strictObject({
        code: z
          .string()
          .describe('Stable machine-readable code: invalid_input, invalid_json, unauthorized, forbidden, not_found, conflict, payload_too_large, internal_error'),
        message: z.string().describe('What went wrong, for people'),
        fields: z
          .record(z.string(), z.array(z.string()))
          .optional()
          .describe('Messages per invalid field (dotted paths for nested fields; "_" for the body as a whole)'),
      }),
    })
    .describe('Every error answer of the API'),
);

export const ComponentChangeModel = model(
  'ComponentChange',
  z.strictObject({
    component_id: Id,
    old_status: z.enum(COMPONENT_STATUSES),
    new_status: z.enum(COMPONENT_STATUSES),
  }),
);

export const IncidentUpdateModel = model(
  'IncidentUpdate',
  z.strictObject({
    id: Id,
    status: z.enum(ANY_INCIDENT_STATUSES),
    body: z.string().describe('Markdown'),
    at: Time.describe('When it was published, as shown to customers'),
    created_at: Time,
    updated_at: Time,
    component_changes: z.array(ComponentChangeModel).describe('Component statuses this update changed'),
  }),
);

export const IncidentModel = model(
  'Incident',
  z
    .strictObject({
      id: Id,
      kind: z.enum(INCIDENT_KINDS),
      title: z.string(),
      status: z.enum(ANY_INCIDENT_STATUSES).describe('As the page shows it now (maintenance follows its window)'),
      severity: z.union(SEVERITIES.map((s) => z.literal(s))).nullable().describe('1..4 for incidents; null for maintenance'),
      impact: z.enum(IMPACTS),
      notify: z.boolean().describe('Whether updates go to subscribers'),
      next_update_at: Time.nullable().describe('The next update promised to customers'),
      started_at: Time,
      monitoring_at: Time.nullable(),
      resolved_at: Time.nullable(),
      scheduled_for: Time.nullable().describe('Maintenance window start'),
      scheduled_until: Time.nullable().describe('Maintenance window end'),
      created_at: Time,
      updated_at: Time,
      url: z.string().describe('The public page of this incident'),
      component_ids: z.array(Id).describe('Affected components'),
      updates: z.array(IncidentUpdateModel).describe('Newest first'),
    })
    .describe('An incident or a maintenance window'),
) satisfies z.ZodType<ApiIncident>;

export const PaginationModel = model(
  'Pagination',
  z.strictObject({
    page: z.number().int(),
    per_page: z.number().int(),
    has_more: z.boolean(),
    next_page: z.number().int().nullable(),
  }),
);

export const IncidentListModel = model(
  'IncidentList',
  z.strictObject({ data: z.array(IncidentModel), pagination: PaginationModel }),
);

export const PostedUpdateModel = model(
  'PostedUpdate',
  z.strictObject({ update: IncidentUpdateModel, incident: IncidentModel }).describe('The new update and the incident after it'),
);

export const ComponentModel = model(
  'Component',
  z.strictObject({
    id: Id,
    name: z.string(),
    description: z.string().nullable(),
    group_id: Id.nullable(),
    position: z.number().int(),
    status: z.enum(COMPONENT_STATUSES),
    hidden: z.boolean().describe('Hidden components are not on the public page'),
    only_show_if_degraded: z.boolean(),
    started_at: Time.describe('When tracking started; uptime before it has no data'),
    created_at: Time,
    updated_at: Time,
  }),
) satisfies z.ZodType<ApiComponent>;

export const ComponentListModel = model('ComponentList', z.strictObject({ data: z.array(ComponentModel) }));

export const ComponentGroupModel = model(
  'ComponentGroup',
  z.strictObject({
    id: Id,
    name: z.string(),
    description: z.string().nullable(),
    position: z.number().int(),
    component_ids: z.array(Id).describe('Its components, in order'),
    created_at: Time,
    updated_at: Time,
  }),
) satisfies z.ZodType<ApiComponentGroup>;

export const ComponentGroupListModel = model('ComponentGroupList', z.strictObject({ data: z.array(ComponentGroupModel) }));

export const SettingsModel = model(
  'Settings',
  z.strictObject({
    page_id: z.string(),
    name: z.string(),
    url: z.string().describe('The public address; empty when PUBLIC_URL or the visited address is used'),
    time_zone: z.string().describe('IANA time zone of the page'),
    logo_url: z.string().nullable(),
    accent_color: z.string(),
    created_at: Time,
    updated_at: Time,
  }),
) satisfies z.ZodType<ApiSettings>;

export const TemplateModel = model(
  'Template',
  z.strictObject({
    id: Id,
    name: z.string(),
    kind: z.enum(INCIDENT_KINDS),
    status: z.enum(ANY_INCIDENT_STATUSES).describe('The lifecycle step it is for'),
    title: z.string().nullable(),
    body: z.string().describe('Markdown with {{placeholders}}'),
    position: z.number().int(),
    placeholders: z.array(z.string()).describe('Placeholder names in the title and body'),
    created_at: Time,
    updated_at: Time,
  }),
) satisfies z.ZodType<ApiTemplate>;

export const TemplateListModel = model('TemplateList', z.strictObject({ data: z.array(TemplateModel) }));

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
) satisfies z.ZodType<ApiSubscriber>;

export const SubscriberCountsModel = model(
  'SubscriberCounts',
  z
    .strictObject({ pending: Count, confirmed: Count, unsubscribed: Count, suppressed: Count })
    .describe('Subscribers per status, over the whole list (search and status filters do not change them)'),
) satisfies z.ZodType<ApiSubscriberCounts>;

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
) satisfies z.ZodType<ApiImportReport>;

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
  }),
);

export const DeliveryFailureModel = model(
  'DeliveryFailure',
  z.strictObject({
    update_id: Id,
    email: z.string(),
    reason: z.string().nullable().describe("The provider's answer, or why sending gave up"),
    at: Time.nullable().describe('When it failed for good'),
  }),
);

export const DeliveriesModel = model(
  'Deliveries',
  z
    .strictObject({
      incident_id: Id,
      in_progress: z.boolean().describe('Whether any email of it is still being prepared, queued or sent'),
      transport: z.string().nullable().describe('Where emails go (resend, files); null when none is configured and emails wait'),
      updates: z.array(UpdateDeliveryModel).describe('Every update, newest first; zeros for those that sent no email'),
      latest_failures: z.array(DeliveryFailureModel).describe(`The ${FAILURES_SHOWN} latest failed emails, newest first`),
    })
    .describe('Email delivery progress of the updates of an incident or a maintenance'),
) satisfies z.ZodType<ApiDeliveries>;

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
) satisfies z.ZodType<ApiOutbox>;
