import { z } from 'zod';
import { ANY_INCIDENT_STATUSES, COMPONENT_STATUSES, DETECTION_SOURCES, IMPACTS, INCIDENT_KINDS, INCIDENT_ROLES, SEVERITIES, TEMPLATE_AUDIENCES } from '../domain/constants.js';

/*
 * The management API's (/api/v1) response models, each defined once: the
 * zod schema is registered for the OpenAPI document (components.schemas.<id>),
 * the tests check every response against it, and presenters/api-v1.ts
 * returns the type inferred from it. Subscriber and email models are in
 * api-v1-mail-models.ts.
 */

/** Response models: each becomes components.schemas.<id> in openapi.json, in the order registered. */
export const models = z.registry<{ id: string }>();

export function model<T extends z.ZodType>(id: string, schema: T): T {
  models.add(schema, { id });
  return schema;
}

export const Time = z.iso.datetime();
export const Id = z.string().describe('A Herald id');

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

export const IncidentRoleModel = model(
  'IncidentRole',
  z
    .strictObject({
      user_id: Id.nullable().describe('The team member holding the role; null for a free-text name or handle'),
      name: z.string().describe('The member’s name, or the free-text name or handle'),
      assigned_at: Time,
      assigned_by: z.string().describe('Who assigned it, as the audit log names them'),
    })
    .describe('Who holds one incident role'),
);

export const IncidentRolesModel = model(
  'IncidentRoles',
  z
    .strictObject(Object.fromEntries(INCIDENT_ROLES.map((role) => [role, IncidentRoleModel.nullable()])) as Record<(typeof INCIDENT_ROLES)[number], z.ZodNullable<typeof IncidentRoleModel>>)
    .describe('The people running the incident; null: unassigned'),
);

export const IncidentLinksModel = model(
  'IncidentLinks',
  z
    .strictObject({
      war_room_url: z.string().nullable().describe('The call or channel where the incident is worked'),
      runbook_url: z.string().nullable(),
      dashboard_url: z.string().nullable(),
    })
    .describe('Internal links on the incident (never on the public page)'),
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
      roles: IncidentRolesModel,
      links: IncidentLinksModel,
      detection_source: z
        .enum(DETECTION_SOURCES)
        .nullable()
        .describe('How the team learned of it (for the detection metrics): alert when declared from an alert draft; null: not recorded, and always for maintenance'),
      detected_at: Time.nullable().describe('When the team learned of it: the alert’s start when declared from an alert draft'),
      acknowledged_at: Time.nullable().describe('When someone took it on (its alert draft’s acknowledgement, or the declaration)'),
      acknowledged_by: z.string().nullable().describe('Who took it on, as the audit log names them'),
      alert_draft_id: Id.nullable().describe('The alert draft it was declared from'),
    })
    .describe('An incident or a maintenance window'),
);

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

export const InternalUpdateModel = model(
  'InternalUpdate',
  z
    .strictObject({
      id: Id,
      incident_id: Id,
      status: z.enum(ANY_INCIDENT_STATUSES).describe('The incident’s status when it was posted'),
      body: z.string().describe('Markdown'),
      at: Time,
      author: z.string().describe('Who posted it, as the audit log names them'),
      created_at: Time,
    })
    .describe('An internal-only update: sent to the team’s channels, never on the status page, the feeds or in email'),
);

export const InternalUpdateListModel = model('InternalUpdateList', z.strictObject({ data: z.array(InternalUpdateModel).describe('Newest first') }));

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
);

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
);

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
    internal_cadence: z
      .strictObject({ 1: z.number().int().nullable(), 2: z.number().int().nullable(), 3: z.number().int().nullable(), 4: z.number().int().nullable() })
      .describe('Minutes between internal updates per severity; null: no internal cadence for that severity'),
    internal_cadence_is_default: z.boolean().describe('Whether the internal cadence is the default one (15, 30, 120, none)'),
    internal_reminders: z.boolean().describe("Whether the Comms Lead and the destinations are reminded when an internal update is late"),
    alert_escalation_minutes: z
      .number()
      .int()
      .describe('Minutes an alert draft suggesting SEV-1 or SEV-2 may stay unacknowledged before it is announced again and emailed'),
    alert_escalation_user_ids: z
      .array(z.string())
      .nullable()
      .describe('The members emailed when an alert draft is escalated; null: every owner'),
    postmortem_due_hours: z
      .strictObject({ 1: z.number().int().nullable(), 2: z.number().int().nullable(), 3: z.number().int().nullable(), 4: z.number().int().nullable() })
      .describe("Hours from resolution to a postmortem's due date per severity; null: no postmortem required for that severity"),
    postmortem_due_hours_is_default: z.boolean().describe('Whether the due hours are the default ones (48, 72, 168, none)'),
    postmortem_template: z.string().describe('The Markdown a new postmortem starts from ({{placeholders}} filled from the incident)'),
    postmortem_template_is_default: z.boolean().describe("Whether the template is Herald's default"),
    component_notifications: z
      .boolean()
      .describe('Whether subscribers hear of component status changes outside incidents (webhook and chat subscribers, and email subscribers who opted in); off by default'),
    component_flap_window_seconds: z
      .number()
      .int()
      .describe('A component change reverted within this many seconds sends nothing; changes within it are announced as one'),
    channel_disable_after_hours: z
      .number()
      .int()
      .describe('A webhook or chat subscriber failing this many hours without a success is disabled (its contact is emailed)'),
    created_at: Time,
    updated_at: Time,
  }),
);

export const TemplateModel = model(
  'Template',
  z.strictObject({
    id: Id,
    name: z.string(),
    audience: z.enum(TEMPLATE_AUDIENCES).describe('public: the status page, feeds and email; internal: the company\'s own channels'),
    kind: z.enum(INCIDENT_KINDS),
    status: z.enum(ANY_INCIDENT_STATUSES).describe('The lifecycle step it is for'),
    title: z.string().nullable(),
    body: z.string().describe('Markdown with {{placeholders}}'),
    position: z.number().int(),
    placeholders: z.array(z.string()).describe('Placeholder names in the title and body'),
    created_at: Time,
    updated_at: Time,
  }),
);

export const TemplateListModel = model('TemplateList', z.strictObject({ data: z.array(TemplateModel) }));

export type ApiComponentChange = z.output<typeof ComponentChangeModel>;
export type ApiIncidentUpdate = z.output<typeof IncidentUpdateModel>;
export type ApiIncident = z.output<typeof IncidentModel>;
export type ApiIncidentRoles = z.output<typeof IncidentRolesModel>;
export type ApiIncidentLinks = z.output<typeof IncidentLinksModel>;
export type ApiInternalUpdate = z.output<typeof InternalUpdateModel>;
export type ApiPagination = z.output<typeof PaginationModel>;
export type ApiComponent = z.output<typeof ComponentModel>;
export type ApiComponentGroup = z.output<typeof ComponentGroupModel>;
export type ApiSettings = z.output<typeof SettingsModel>;
export type ApiTemplate = z.output<typeof TemplateModel>;
