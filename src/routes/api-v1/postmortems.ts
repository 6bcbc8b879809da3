import { z } from 'zod';
import { ACTION_ITEM_PRIORITIES, ACTION_ITEM_STATUSES, POSTMORTEM_STATES, TIMELINE_MARKERS } from '../../domain/constants.js';
import type { Deps } from '../../deps.js';
import { NotFoundError } from '../../lib/errors.js';
import {
  ActionItemListModel,
  ActionItemModel,
  KeyTimesModel,
  PostmortemModel,
  presentApiActionItem,
  presentApiActionItemList,
  presentApiKeyTimes,
  presentApiPostmortem,
  presentApiTimeline,
  presentApiTimelineEntry,
  TimelineEntryModel,
  TimelineMarkdownModel,
  TimelineModel,
} from '../../presenters/api-v1-postmortem-models.js';
import type { Actor } from '../../services/auth/actor.js';
import { createActionItem, deleteActionItem, listActionItems, updateActionItem } from '../../services/postmortems/action-items.js';
import { loadPostmortem, publishPublicPostmortem, savePostmortem, setPostmortemState, startPostmortem } from '../../services/postmortems/postmortems.js';
import { addTimelineNote, incidentTimeline, setKeyTime, timelineAsMarkdown } from '../../services/timeline/timeline.js';
import { PublicId } from '../../services/validation.js';
import { operation, type Operation } from './registry.js';
import { IdParam, IdPath, IsoTime } from './schemas.js';

/*
 * Issue 17 in the management API: an incident's timeline (JSON and the
 * Markdown table), scribe notes, key time corrections, the postmortem
 * (document, review state, due date, owner, the customer-facing text) and
 * action items, per incident and across incidents.
 */

const TAG = 'Postmortems';

const IncidentPath = z.object({ id: IdParam.describe('The incident id') });
const KeyTimePath = z.object({
  id: IdParam.describe('The incident id'),
  marker: z.enum(TIMELINE_MARKERS).describe('The key time'),
});

const Who = z.string().max(200).describe('Who did it, when not the token ("Bob from the DB team")');

const NoteBody = z.strictObject({
  text: z.string().describe('What happened (at most 2000 characters)'),
  at: IsoTime.optional().describe('When it happened; defaults to now, never in the future'),
  who: Who.optional(),
});

const KeyTimeBody = z.strictObject({
  at: IsoTime.nullable().describe('The corrected time; null goes back to the time the data gives'),
  reason: z.string().describe('Why it is corrected (recorded on the timeline)'),
  who: Who.optional(),
});

const OwnerUserId = PublicId.nullable().describe('A team member (their name is used); null: none');
const OwnerName = z.string().max(100).nullable().describe('A name, when the owner is not a member');

const PostmortemBody = z
  .strictObject({
    body: z.string().optional().describe('The whole document (Markdown); needs base_revision'),
    base_revision: z.number().int().min(0).optional().describe('The revision the text was based on (from GET): a newer one is not overwritten (409)'),
    owner_user_id: OwnerUserId.optional(),
    owner_name: OwnerName.optional(),
    due_at: IsoTime.nullable().optional().describe('Moves the due date (and re-arms its reminders); null: not required'),
    state: z.enum(POSTMORTEM_STATES).optional().describe('draft, in_review, or published (internal); a document never saved cannot leave draft'),
    public_body: z
      .string()
      .nullable()
      .optional()
      .describe('The customer-facing text (Markdown), published on the status page, its feeds and /api/v2; null takes it off. Only once resolved'),
    email_subscribers: z
      .boolean()
      .optional()
      .describe(
        "With public_body: also email it to the subscribers the incident's updates went to (through the outbox, like an update). Once per postmortem: later publishes and edits never email again (emailed_at). Refused when the incident's updates are not emailed (notify off)",
      ),
  })
  .superRefine((b, ctx) => {
    if (b.body !== undefined && b.base_revision === undefined) ctx.addIssue({ code: 'custom', path: ['base_revision'], message: 'is required with body' });
    if (b.email_subscribers === true && (b.public_body === undefined || b.public_body === null)) {
      ctx.addIssue({ code: 'custom', path: ['email_subscribers'], message: 'needs public_body: the text that is published and emailed' });
    }
    if (Object.values(b).every((v) => v === undefined)) ctx.addIssue({ code: 'custom', path: [], message: 'send at least one field to change' });
  });

const ActionItemFields = {
  title: z.string().describe('What will be done'),
  owner_user_id: OwnerUserId.optional(),
  owner_name: OwnerName.optional(),
  priority: z.enum(ACTION_ITEM_PRIORITIES).optional().describe('Defaults to P1'),
  due_at: IsoTime.nullable().optional(),
  url: z.string().nullable().optional().describe('The ticket in an external tracker (http or https)'),
};

type ActionItemApiInput = {
  title?: string;
  owner_user_id?: string | null;
  owner_name?: string | null;
  priority?: (typeof ACTION_ITEM_PRIORITIES)[number];
  due_at?: number | null;
  url?: string | null;
  status?: (typeof ACTION_ITEM_STATUSES)[number];
  reason?: string | null;
};

/** API spelling to the service's. */
function actionItemInput<T extends ActionItemApiInput>({ owner_user_id, owner_name, due_at, ...rest }: T) {
  return {
    ...rest,
    ...(owner_user_id !== undefined ? { ownerUserId: owner_user_id } : {}),
    ...(owner_name !== undefined ? { ownerName: owner_name } : {}),
    ...(due_at !== undefined ? { dueAt: due_at } : {}),
  };
}

const CreateActionItemBody = z.strictObject(ActionItemFields).transform(actionItemInput);

const UpdateActionItemBody = z
  .strictObject({
    ...ActionItemFields,
    title: ActionItemFields.title.optional(),
    status: z.enum(ACTION_ITEM_STATUSES).optional().describe("open, done, or wont_do (with a reason)"),
    reason: z.string().nullable().optional().describe("Why it won't be done"),
  })
  .transform(actionItemInput);

const ActionItemQuery = z.object({
  owner: PublicId.optional().describe('Only items owned by this team member (user id)'),
  status: z.enum(ACTION_ITEM_STATUSES).optional(),
  overdue: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => v === 'true')
    .describe('true: only open items whose due date passed'),
  incident_id: PublicId.optional().describe("Only this incident's items"),
});

async function postmortemResponse(deps: Deps, actor: Actor, incidentId: string, now: number) {
  const view = await loadPostmortem(deps, actor, incidentId);
  if (!view.postmortem) throw new NotFoundError('This incident has no postmortem yet: start one with POST.');
  return presentApiPostmortem({ ...view, postmortem: view.postmortem }, now);
}

export function postmortemOperations(): Operation[] {
  return [
    operation({
      operationId: 'getIncidentTimeline',
      method: 'get',
      path: '/incidents/{id}/timeline',
      tag: TAG,
      summary: "Get an incident's timeline and key times",
      description:
        'Everything Herald recorded about the incident (declared, updates, internal updates, severity and role changes, component changes, alerts, emails, team channels, postmortem events) and the notes and key time corrections people added, oldest first. The key times come from the data unless corrected.',
      permission: 'admin:read',
      params: IncidentPath,
      response: TimelineModel,
      run: async ({ deps, actor, params }) => presentApiTimeline(await incidentTimeline(deps, actor, params.id)),
    }),
    operation({
      operationId: 'getIncidentTimelineMarkdown',
      method: 'get',
      path: '/incidents/{id}/timeline.md',
      tag: TAG,
      summary: "Get an incident's timeline as a Markdown table",
      description: 'The table teams paste into their docs: `| Time (UTC) | Event | Who |`. Answered as text/markdown.',
      permission: 'admin:read',
      params: IncidentPath,
      response: TimelineMarkdownModel,
      contentType: 'text/markdown; charset=utf-8',
      run: async ({ deps, actor, params }) => timelineAsMarkdown(await incidentTimeline(deps, actor, params.id)),
    }),
    operation({
      operationId: 'addTimelineNote',
      method: 'post',
      path: '/incidents/{id}/timeline',
      tag: TAG,
      summary: "Add a note to an incident's timeline",
      description: "A scribe's line: what happened, when (defaults to now; may be earlier, never later) and optionally who.",
      permission: 'incidents:write',
      params: IncidentPath,
      body: NoteBody,
      status: 201,
      response: TimelineEntryModel,
      run: async ({ deps, actor, params, body }) => presentApiTimelineEntry(await addTimelineNote(deps, actor, params.id, body)),
    }),
    operation({
      operationId: 'setIncidentKeyTime',
      method: 'put',
      path: '/incidents/{id}/key-times/{marker}',
      tag: TAG,
      summary: 'Correct one of an incident’s key times',
      description:
        'impact_started, detected, acknowledged, mitigated or resolved: a corrected time with the reason (recorded on the timeline), or null to go back to the time the data gives. Times out of order are refused, except impact starting before detection.',
      permission: 'incidents:write',
      params: KeyTimePath,
      body: KeyTimeBody,
      response: KeyTimesModel,
      run: async ({ deps, actor, params, body }) => presentApiKeyTimes(await setKeyTime(deps, actor, params.id, { marker: params.marker, ...body })),
    }),
    operation({
      operationId: 'getPostmortem',
      method: 'get',
      path: '/incidents/{id}/postmortem',
      tag: TAG,
      summary: "Get an incident's postmortem",
      description:
        'The document (before its first save, the template filled from the incident: timeline, durations, impact), its revision, review state, due date, owner, the customer-facing text, and the action items. 404 when the incident has none (POST starts one).',
      permission: 'admin:read',
      params: IncidentPath,
      response: PostmortemModel,
      run: ({ deps, actor, params, now }) => postmortemResponse(deps, actor, params.id, now),
    }),
    operation({
      operationId: 'startPostmortem',
      method: 'post',
      path: '/incidents/{id}/postmortem',
      tag: TAG,
      summary: 'Start a postmortem',
      description:
        'For an incident whose severity does not require one (resolving a SEV-1 to SEV-3 creates it, with its due date). Owned by the Incident Commander, no due date. Answers the existing one if the incident has one.',
      permission: 'incidents:write',
      params: IncidentPath,
      status: 201,
      response: PostmortemModel,
      async run({ deps, actor, params, now }) {
        await startPostmortem(deps, actor, params.id);
        return postmortemResponse(deps, actor, params.id, now);
      },
    }),
    operation({
      operationId: 'updatePostmortem',
      method: 'put',
      path: '/incidents/{id}/postmortem',
      tag: TAG,
      summary: 'Save, review or publish a postmortem',
      description:
        'Any of: the document (body with the base_revision it was based on: 409 conflict when someone saved since, and nothing is saved), the owner, the due date; the review state; the customer-facing text (public_body: publishes it on the status page or, null, takes it off; with email_subscribers: true, also emails it once to the incident’s subscribers). Applied in that order; a refused step stops the ones after it.',
      permission: 'incidents:write',
      params: IncidentPath,
      body: PostmortemBody,
      response: PostmortemModel,
      async run({ deps, actor, params, body, now }) {
        const current = await deps.repos.postmortems.find(params.id);
        if (!current) throw new NotFoundError('This incident has no postmortem yet: start one with POST.');
        const saving = body.body !== undefined || body.owner_user_id !== undefined || body.owner_name !== undefined || body.due_at !== undefined;
        if (saving) {
          await savePostmortem(deps, actor, params.id, {
            // Only the owner or due date: the stored text stays, checked against the revision read.
            body: body.body ?? current.body,
            baseRevision: body.base_revision ?? current.revision,
            ...(body.owner_user_id !== undefined ? { ownerUserId: body.owner_user_id } : {}),
            ...(body.owner_name !== undefined ? { ownerName: body.owner_name } : {}),
            ...(body.due_at !== undefined ? { dueAt: body.due_at } : {}),
          });
        }
        if (body.state !== undefined) await setPostmortemState(deps, actor, params.id, { state: body.state });
        if (body.public_body !== undefined) await publishPublicPostmortem(deps, actor, params.id, { publicBody: body.public_body, emailSubscribers: body.email_subscribers });
        return postmortemResponse(deps, actor, params.id, now);
      },
    }),
    operation({
      operationId: 'listActionItems',
      method: 'get',
      path: '/action-items',
      tag: TAG,
      summary: 'List action items across incidents',
      description: 'Filter by owner (user id), status, overdue (open and past due) and incident. Soonest due first.',
      permission: 'admin:read',
      query: ActionItemQuery,
      response: ActionItemListModel,
      async run({ deps, actor, query, now }) {
        const rows = await listActionItems(deps, actor, {
          ...(query.owner ? { ownerUserId: query.owner } : {}),
          ...(query.status ? { status: query.status } : {}),
          ...(query.overdue ? { overdue: true } : {}),
          ...(query.incident_id ? { incidentId: query.incident_id } : {}),
        });
        return presentApiActionItemList(rows, now);
      },
    }),
    operation({
      operationId: 'createActionItem',
      method: 'post',
      path: '/incidents/{id}/action-items',
      tag: TAG,
      summary: 'Add an action item to an incident',
      description: 'Title, owner (a member, or a name), priority (P0, P1, P2; default P1), due date, and optionally the ticket in an external tracker.',
      permission: 'incidents:write',
      params: IncidentPath,
      body: CreateActionItemBody,
      status: 201,
      response: ActionItemModel,
      run: async ({ deps, actor, params, body, now }) => presentApiActionItem(await createActionItem(deps, actor, params.id, body), now),
    }),
    operation({
      operationId: 'updateActionItem',
      method: 'patch',
      path: '/action-items/{id}',
      tag: TAG,
      summary: 'Update an action item',
      description: "Only the fields sent change. done records when; wont_do needs a reason.",
      permission: 'incidents:write',
      params: IdPath,
      body: UpdateActionItemBody,
      response: ActionItemModel,
      run: async ({ deps, actor, params, body, now }) => presentApiActionItem(await updateActionItem(deps, actor, params.id, body), now),
    }),
    operation({
      operationId: 'deleteActionItem',
      method: 'delete',
      path: '/action-items/{id}',
      tag: TAG,
      summary: 'Delete an action item',
      description: "A mistake; to drop planned work, set it to wont_do with a reason instead (it stays on the record).",
      permission: 'incidents:write',
      params: IdPath,
      status: 204,
      response: null,
      async run({ deps, actor, params }) {
        await deleteActionItem(deps, actor, params.id);
      },
    }),
  ];
}
