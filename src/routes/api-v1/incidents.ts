import { z } from 'zod';
import { IMPACTS, INCIDENT_STATUSES, type IncidentKind } from '../../domain/constants.js';
import { presentApiIncident, presentApiPagination } from '../../presenters/api-v1.js';
import type { ApiIncident } from '../../presenters/api-v1-models.js';
import { DeclareIncidentInput, declareIncident } from '../../services/incidents/declare.js';
import { backfillIncident, changeSeverity, deleteUpdate, editUpdate, EditUpdateInput } from '../../services/incidents/manage.js';
import { postUpdate } from '../../services/incidents/post-update.js';
import { findIncidentOfKind, listIncidentPage } from './reads.js';
import { operation, type Operation, type RunContext } from './registry.js';
import {
  ComponentChangeInput,
  IdPath,
  IncidentListModel,
  IncidentModel,
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
  })
  .transform((b) => ({
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
  }));

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
  reason: z.string().trim().max(500).optional().describe('Why, for the audit log'),
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
  return presentApiIncident(incident, await ctx.baseUrl(), ctx.now);
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
        return {
          data: items.map((i) => presentApiIncident(i, base, now)),
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
      description: 'Creates the incident with its first update and the component statuses it sets, in one write. Text with unfilled {{placeholders}} is refused.',
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
