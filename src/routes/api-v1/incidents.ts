import { z } from 'zod';
import { DETECTION_SOURCES, IMPACTS, INCIDENT_STATUSES, type IncidentKind } from '../../domain/constants.js';
import { presentApiIncident, presentApiInternalUpdate, presentApiLinks, presentApiPagination, presentApiRoles } from '../../presenters/api-v1.js';
import type { ApiIncident } from '../../presenters/api-v1-models.js';
import { DeclareIncidentInput, declareIncident } from '../../services/incidents/declare.js';
import { backfillIncident, changeSeverity, deleteUpdate, editUpdate, EditUpdateInput, setDetectionSource } from '../../services/incidents/manage.js';
import { postUpdate } from '../../services/incidents/post-update.js';
import { InternalUpdateInput, listInternalUpdates, postInternalUpdate } from '../../services/incidents/internal-updates.js';
import { IncidentLink, RoleAssignment, setIncidentRoles, updateIncidentLinks } from '../../services/incidents/roles.js';
import { INCIDENT_ROLES, INCIDENT_ROLE_LABELS } from '../../domain/constants.js';
import { findIncidentOfKind, listIncidentPage } from './reads.js';
import { operation, type Operation, type RunContext } from './registry.js';
import {
  ComponentChangeInput,
  IdPath,
  IncidentLinksModel,
  IncidentListModel,
  IncidentModel,
  IncidentRolesModel,
  InternalUpdateListModel,
  InternalUpdateModel,
  IsoTime,
  ListQuery,
  PostedUpdateModel,
  RestoreComponentsInput,
  SeverityInput,
  UpdatePath,
} from './schemas.js';

const D = DeclareIncidentInput.shape;
const Title = D.title.describe('Public title');
const Body = D.body.describe('Markdown shown to customers; {{placeholders}} must be filled in');
const Components = z
  .array(ComponentChangeInput)
  .max(200)
  .describe('Component statuses this update sets (and marks as affected)');
const NextUpdateAt = IsoTime.nullable().describe('The next update promised to customers; null for none');

/** One role in a request: a team member by id, or a free-text name or handle; null unassigns. */
const RoleBody = z
  .strictObject({
    user_id: RoleAssignment.shape.userId.describe('A team member’s id'),
    name: RoleAssignment.shape.name.describe('A free-text name or handle, for someone without an account (ignored with user_id)'),
  })
  .nullable()
  .optional();

const RolesBody = z
  .strictObject(
    Object.fromEntries(INCIDENT_ROLES.map((role) => [role, RoleBody.describe(`${INCIDENT_ROLE_LABELS[role]}: a member or a name; null unassigns; left out stays`)])) as Record<
      (typeof INCIDENT_ROLES)[number],
      typeof RoleBody
    >,
  )
  .describe('The people running the incident');

/** The API's snake_case role keys are the service's own: user_id becomes userId. */
const rolesInput = (roles: z.output<typeof RolesBody> | undefined) =>
  roles === undefined
    ? undefined
    : Object.fromEntries(
        Object.entries(roles).flatMap(([role, r]) => (r === undefined ? [] : [[role, r === null ? null : { userId: r.user_id, name: r.name }]])),
      );

const DetectionSource = z
  .enum(DETECTION_SOURCES)
  .describe('How the team learned of it, for the detection metrics: alert, customer_report, internal or other');

const Link = (what: string) => IncidentLink.optional().describe(`${what}: an http(s) URL; null for none`);

/** The internal links in a request, when declaring and in PUT .../links: each an http(s) URL or null; left out stays. */
const LinkFields = {
  war_room_url: Link('The call or channel where the incident is worked'),
  runbook_url: Link('The runbook'),
  dashboard_url: Link('The dashboard'),
};

/** The API's snake_case link keys are the service's own: war_room_url becomes warRoomUrl. */
const linksInput = (b: { war_room_url?: string | null; runbook_url?: string | null; dashboard_url?: string | null }) => ({
  warRoomUrl: b.war_room_url,
  runbookUrl: b.runbook_url,
  dashboardUrl: b.dashboard_url,
});

const LinksBody = z.strictObject(LinkFields).transform(linksInput);

const DeclareBody = z
  .strictObject({
    title: Title,
    severity: SeverityInput,
    impact: z.enum(IMPACTS).optional().describe('Customer-facing impact; defaults from the components or the severity'),
    status: z.enum(INCIDENT_STATUSES).default('investigating'),
    body: Body,
    components: Components.optional(),
    started_at: IsoTime.optional().describe('When impact began; defaults to now. Earlier values backfill'),
    at: IsoTime.optional().describe('When the first update was published; defaults to started_at'),
    notify: z.boolean().optional().describe('Send updates to subscribers; defaults to on for severity 1 and 2'),
    next_update_at: NextUpdateAt.optional(),
    roles: RolesBody.optional().describe('Who runs it. A person declaring (not a token) is incident_commander and comms_lead unless given here'),
    ...LinkFields,
    detection_source: DetectionSource.optional().describe(
      'How the team learned of it (alert, customer_report, internal, other). Declaring from an alert draft makes it alert',
    ),
    alert_draft_id: z
      .string()
      .optional()
      .describe(
        'The alert draft (GET /alerts/drafts) it is declared from: detected_at becomes the alert’s start, acknowledged_at the draft’s acknowledgement (or now), detection_source alert, and the draft’s alerts stay on the incident. 409 when an incident was already declared from it',
      ),
  })
  .transform((b) => ({
    roles: rolesInput(b.roles),
    ...linksInput(b),
    title: b.title,
    severity: b.severity,
    impact: b.impact,
    status: b.status,
    body: b.body,
    components: b.components,
    startedAt: b.started_at,
    at: b.at,
    notify: b.notify,
    nextUpdateAt: b.next_update_at,
    detectionSource: b.detection_source,
    alertDraftId: b.alert_draft_id,
  }));

const DetectionSourceBody = z
  .strictObject({ detection_source: DetectionSource.nullable().describe('How the team learned of it; null: not recorded') })
  .transform((b) => ({ detectionSource: b.detection_source }));

const IncidentUpdateBody = z
  .strictObject({
    status: z.enum(INCIDENT_STATUSES).describe('The incident status from this update on'),
    body: Body,
    components: Components.optional(),
    at: IsoTime.optional().describe('Publication time; defaults to now. Earlier values backfill'),
    next_update_at: NextUpdateAt.optional().describe('The next update promised; null or left out for none. Cleared on resolution'),
    restore_components: RestoreComponentsInput.optional(),
  })
  .transform((b) => ({
    status: b.status,
    body: b.body,
    components: b.components,
    at: b.at,
    nextUpdateAt: b.next_update_at,
    restoreComponents: b.restore_components,
  }));

const EditUpdateBody = z.strictObject({ body: EditUpdateInput.shape.body.describe('The corrected Markdown') });

const SeverityBody = z.strictObject({
  severity: SeverityInput,
  reason: z.string().trim().max(500).optional().describe('Why: in the audit log and in the message to the team’s channels'),
});

const InternalUpdateBody = z.strictObject({
  body: InternalUpdateInput.shape.body.describe('Markdown for the team; {{placeholders}} must be filled in. Never on the status page or emailed'),
});

const BackfillBody = z
  .strictObject({
    title: Title,
    severity: SeverityInput,
    body: Body.describe('The first update'),
    resolution_body: Body.describe('The resolving update'),
    components: Components.optional().describe('Components and the status they were in between started_at and resolved_at'),
    started_at: IsoTime.describe('When impact began'),
    resolved_at: IsoTime.describe('When it was resolved (in the past)'),
  })
  .transform((b) => ({
    title: b.title,
    severity: b.severity,
    body: b.body,
    resolutionBody: b.resolution_body,
    components: b.components,
    startedAt: b.started_at,
    resolvedAt: b.resolved_at,
  }));

type Ctx = RunContext<unknown, unknown, unknown>;

/** The incident (or maintenance) as the API shows it, read after a write. */
export async function incidentResponse(ctx: Pick<Ctx, 'deps' | 'now' | 'baseUrl'>, id: string, kind: IncidentKind): Promise<ApiIncident> {
  const incident = await findIncidentOfKind(ctx.deps, id, kind);
  return presentApiIncident(incident, await ctx.baseUrl(), ctx.now, await ctx.deps.repos.roles.rolesOf(id));
}

/** List, get, post update, edit/delete update: the same for incidents and maintenance. */
export interface UpdatePosting<B> {
  body: z.ZodType<B, unknown>;
  description: string;
  /** Publishes the update; returns its id. */
  post(ctx: RunContext<{ id: string }, unknown, B>): Promise<string>;
}

export function lifecycleOperations<B>(
  kind: IncidentKind,
  names: { base: string; tag: string; one: string; many: string; noun: string },
  posting: UpdatePosting<B>,
): Operation[] {
  return [
    operation({
      operationId: `list${names.many}`,
      method: 'get',
      path: names.base,
      tag: names.tag,
      summary: `List ${names.noun}s`,
      description: `Open ones first, then the rest, newest first, with all their updates. \`status=open\` lists only the open ones.`,
      permission: 'admin:read',
      query: ListQuery,
      response: IncidentListModel,
      async run({ deps, query, now, baseUrl }) {
        const { items, hasMore } = await listIncidentPage(deps, kind, query, now);
        const base = await baseUrl();
        const roles = await deps.repos.roles.rolesOfMany(items.map((i) => i.id));
        return {
          data: items.map((i) => presentApiIncident(i, base, now, roles.filter((r) => r.incidentId === i.id))),
          pagination: presentApiPagination(query.page, query.per_page, hasMore),
        };
      },
    }),
    operation({
      operationId: `get${names.one}`,
      method: 'get',
      path: `${names.base}/{id}`,
      tag: names.tag,
      summary: `Get one ${names.noun}`,
      description: 'With its updates (newest first) and the component changes each made.',
      permission: 'admin:read',
      params: IdPath,
      response: IncidentModel,
      async run(ctx) {
        return incidentResponse(ctx, ctx.params.id, kind);
      },
    }),
    operation({
      operationId: `post${names.one}Update`,
      method: 'post',
      path: `${names.base}/{id}/updates`,
      tag: names.tag,
      summary: `Post an update on ${names.noun === 'incident' ? 'an' : 'a'} ${names.noun}`,
      description: `${posting.description} Text with unfilled {{placeholders}} is refused.`,
      permission: 'incidents:write',
      params: IdPath,
      body: posting.body,
      status: 201,
      response: PostedUpdateModel,
      async run(ctx) {
        await findIncidentOfKind(ctx.deps, ctx.params.id, kind);
        const updateId = await posting.post(ctx);
        const incident = await incidentResponse(ctx, ctx.params.id, kind);
        const update = incident.updates.find((u) => u.id === updateId)!;
        return { update, incident };
      },
    }),
    operation({
      operationId: `edit${names.one}Update`,
      method: 'patch',
      path: `${names.base}/{id}/updates/{update_id}`,
      tag: names.tag,
      summary: 'Correct the text of a published update',
      description: 'Its time and status stay as they were.',
      permission: 'incidents:write',
      params: UpdatePath,
      body: EditUpdateBody,
      response: IncidentModel,
      async run(ctx) {
        await findIncidentOfKind(ctx.deps, ctx.params.id, kind);
        await editUpdate(ctx.deps, ctx.actor, ctx.params.id, ctx.params.update_id, ctx.body);
        return incidentResponse(ctx, ctx.params.id, kind);
      },
    }),
    operation({
      operationId: `delete${names.one}Update`,
      method: 'delete',
      path: `${names.base}/{id}/updates/{update_id}`,
      tag: names.tag,
      summary: 'Delete a published update',
      description:
        'The status and times are replayed from the updates that remain (component statuses it set are left alone). The only update cannot be deleted. Answers with the incident as it is afterwards.',
      permission: 'incidents:write',
      params: UpdatePath,
      response: IncidentModel,
      async run(ctx) {
        await findIncidentOfKind(ctx.deps, ctx.params.id, kind);
        await deleteUpdate(ctx.deps, ctx.actor, ctx.params.id, ctx.params.update_id);
        return incidentResponse(ctx, ctx.params.id, kind);
      },
    }),
  ];
}

export function incidentOperations(): Operation[] {
  const [list, get, post, edit, remove] = lifecycleOperations(
    'incident',
    { base: '/incidents', tag: 'Incidents', one: 'Incident', many: 'Incidents', noun: 'incident' },
    {
      body: IncidentUpdateBody,
      description:
        'Publishes an update; its status moves the lifecycle on, and the component statuses it names change at the same time. A resolved update also sets the components the incident affected back to operational (those not named in components), unless restore_components is false.',
      post: ({ deps, actor, params, body }) => postUpdate(deps, { ...body, incidentId: params.id }, actor),
    },
  );
  return [
    list!,
    get!,
    operation({
      operationId: 'declareIncident',
      method: 'post',
      path: '/incidents',
      tag: 'Incidents',
      summary: 'Declare an incident',
      description:
        'Creates the incident with its first update and the component statuses it sets, in one write. Text with unfilled {{placeholders}} is refused. With alert_draft_id it is declared from an alert draft (its detection and acknowledgement times carry over); 409 when that draft already has an incident.',
      permission: 'incidents:write',
      body: DeclareBody,
      status: 201,
      response: IncidentModel,
      async run(ctx) {
        const id = await declareIncident(ctx.deps, ctx.body, ctx.actor);
        return incidentResponse(ctx, id, 'incident');
      },
    }),
    post!,
    edit!,
    remove!,
    operation({
      operationId: 'changeIncidentSeverity',
      method: 'put',
      path: '/incidents/{id}/severity',
      tag: 'Incidents',
      summary: 'Change the severity of an incident',
      description: 'Recorded in the audit log with its reason. Setting the severity it already has changes nothing.',
      permission: 'incidents:write',
      params: IdPath,
      body: SeverityBody,
      response: IncidentModel,
      async run(ctx) {
        await findIncidentOfKind(ctx.deps, ctx.params.id, 'incident');
        await changeSeverity(ctx.deps, ctx.actor, ctx.params.id, ctx.body);
        return incidentResponse(ctx, ctx.params.id, 'incident');
      },
    }),
    operation({
      operationId: 'setIncidentDetectionSource',
      method: 'put',
      path: '/incidents/{id}/detection-source',
      tag: 'Incidents',
      summary: 'Record or correct how the team learned of an incident',
      description:
        'The detection source (alert, customer_report, internal, other; null clears it) of an incident declared without it, for the detection metrics. Recorded in the audit log with the value before. Setting what is already set changes nothing.',
      permission: 'incidents:write',
      params: IdPath,
      body: DetectionSourceBody,
      response: IncidentModel,
      async run(ctx) {
        await findIncidentOfKind(ctx.deps, ctx.params.id, 'incident');
        await setDetectionSource(ctx.deps, ctx.actor, ctx.params.id, ctx.body);
        return incidentResponse(ctx, ctx.params.id, 'incident');
      },
    }),
    operation({
      operationId: 'setIncidentRoles',
      method: 'put',
      path: '/incidents/{id}/roles',
      tag: 'Incidents',
      summary: 'Assign or unassign incident roles',
      description:
        'Each role given is set to a team member (user_id) or a free-text name or handle (name), or unassigned (null); roles left out stay as they are. Each change is recorded in the audit log and sent to the destinations that want the incident ("IC handover: A → B"). Setting what is already set changes nothing.',
      permission: 'incidents:write',
      params: IdPath,
      body: RolesBody,
      response: IncidentRolesModel,
      async run(ctx) {
        await findIncidentOfKind(ctx.deps, ctx.params.id, 'incident');
        return presentApiRoles(await setIncidentRoles(ctx.deps, ctx.params.id, rolesInput(ctx.body), ctx.actor));
      },
    }),
    operation({
      operationId: 'setIncidentLinks',
      method: 'put',
      path: '/incidents/{id}/links',
      tag: 'Incidents',
      summary: 'Set or clear an incident’s internal links',
      description:
        'The war room, runbook and dashboard links: each given is set to an http(s) URL, or cleared (null); links left out stay as they are. Each change is recorded in the audit log with the link before and after. Setting what is already set changes nothing. A maintenance id is a 404 here, as on every /incidents/{id} operation.',
      permission: 'incidents:write',
      params: IdPath,
      body: LinksBody,
      response: IncidentLinksModel,
      async run(ctx) {
        await findIncidentOfKind(ctx.deps, ctx.params.id, 'incident');
        await updateIncidentLinks(ctx.deps, ctx.params.id, ctx.body, ctx.actor);
        return presentApiLinks(await findIncidentOfKind(ctx.deps, ctx.params.id, 'incident'));
      },
    }),
    operation({
      operationId: 'postInternalUpdate',
      method: 'post',
      path: '/incidents/{id}/internal-updates',
      tag: 'Incidents',
      summary: 'Post an internal-only update',
      description:
        'Sent to the destinations that want the incident, marked as not posted on the status page. Never shown on the status page, the feeds or the public API, never emailed to subscribers. Text with unfilled {{placeholders}} is refused.',
      permission: 'incidents:write',
      params: IdPath,
      body: InternalUpdateBody,
      status: 201,
      response: InternalUpdateModel,
      async run(ctx) {
        await findIncidentOfKind(ctx.deps, ctx.params.id, 'incident');
        return presentApiInternalUpdate(await postInternalUpdate(ctx.deps, ctx.params.id, ctx.body, ctx.actor));
      },
    }),
    operation({
      operationId: 'listInternalUpdates',
      method: 'get',
      path: '/incidents/{id}/internal-updates',
      tag: 'Incidents',
      summary: 'List an incident’s internal updates',
      description: 'Newest first.',
      permission: 'admin:read',
      params: IdPath,
      response: InternalUpdateListModel,
      async run(ctx) {
        await findIncidentOfKind(ctx.deps, ctx.params.id, 'incident');
        return { data: (await listInternalUpdates(ctx.deps, ctx.params.id, ctx.actor)).map(presentApiInternalUpdate) };
      },
    }),
    operation({
      operationId: 'backfillIncident',
      method: 'post',
      path: '/incidents/backfill',
      tag: 'Incidents',
      summary: 'Record a past incident',
      description:
        'Creates a resolved incident with its start and end; the components were in the given status in between, so uptime recomputes. Nobody is notified.',
      permission: 'incidents:write',
      body: BackfillBody,
      status: 201,
      response: IncidentModel,
      async run(ctx) {
        const id = await backfillIncident(ctx.deps, ctx.actor, ctx.body);
        return incidentResponse(ctx, id, 'incident');
      },
    }),
  ];
}
