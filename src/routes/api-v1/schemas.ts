import { z } from 'zod';
import { COMPONENT_STATUSES, SEVERITIES } from '../../domain/constants.js';
import { ID_PATTERN } from '../../lib/ids.js';
import { PublicId } from '../../services/validation.js';

/*
 * Schemas shared by the /api/v1 operations. Requests are validated with them
 * and the OpenAPI document is generated from them (requests as their input
 * type, responses as registered models under components.schemas). The
 * response models live with their presenter (presenters/api-v1-models.ts,
 * api-v1-mail-models.ts), which must not import routes; the operations take
 * them from here.
 */

export {
  ComponentGroupListModel,
  ComponentGroupModel,
  ComponentListModel,
  ComponentModel,
  IncidentListModel,
  IncidentLinksModel,
  IncidentModel,
  IncidentRolesModel,
  InternalUpdateListModel,
  InternalUpdateModel,
  models,
  PostedUpdateModel,
  SettingsModel,
  TemplateListModel,
  TemplateModel,
} from '../../presenters/api-v1-models.js';
export {
  DeliveriesModel,
  ImportReportModel,
  OutboxModel,
  SubscriberListModel,
} from '../../presenters/api-v1-mail-models.js';
export {
  CreatedDestinationModel,
  DestinationDetailModel,
  DestinationListModel,
  DestinationModel,
  SigningSecretModel,
  TestMessageModel,
} from '../../presenters/api-v1-destination-models.js';

export {
  ChannelDeliveryCountsModel,
  ChannelSubscriberDetailModel,
  ChannelSubscriberListModel,
  ChannelSubscriberModel,
} from '../../presenters/api-v1-channel-models.js';

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
