import { z } from 'zod';
import type { ActionItemListRow } from '../db/repos/postmortems-repo.js';
import type { ActionItemRow, TimelineEntryRow } from '../db/schema.js';
import { ACTION_ITEM_PRIORITIES, ACTION_ITEM_STATUSES, POSTMORTEM_STATES, TIMELINE_ENTRY_KINDS, TIMELINE_MARKERS, type TimelineMarker } from '../domain/constants.js';
import type { KeyTime } from '../domain/timeline.js';
import type { PostmortemView } from '../services/postmortems/postmortems.js';
import { TIMELINE_ITEM_TYPES, type IncidentTimeline } from '../services/timeline/timeline.js';
import { Id, model, Time } from './api-v1-models.js';

/*
 * The management API's models for issue 17 (see api-v1-models.ts: one strict
 * zod definition each, registered for the OpenAPI document, types inferred):
 * an incident's timeline and key times, its postmortem, and action items.
 */

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

export const TimelineItemModel = model(
  'TimelineItem',
  z
    .strictObject({
      at: Time,
      type: z.enum(TIMELINE_ITEM_TYPES).describe('What kind of event: read from the record (declared, update, alert_firing...) or added by people (note, marker)'),
      event: z.string().describe('One line of plain text'),
      who: z.string().nullable().describe('Who did it (a name, a token, Herald); null when nobody in particular'),
      detail: z.string().nullable().describe("More, in Markdown: an update's text, a key time correction's reason"),
      entry_id: Id.nullable().describe("A scribe note's id (notes can be deleted); null for everything else"),
    })
    .describe('One line of the timeline'),
);

export const KeyTimeModel = model(
  'KeyTime',
  z.strictObject({
    at: Time.nullable().describe('Null: not known (no acknowledgement recorded, not mitigated yet...)'),
    corrected: z.boolean().describe('True: a person set it, with a reason (on the timeline); false: it comes from the data'),
  }),
);

export const KeyTimesModel = model(
  'KeyTimes',
  z
    .strictObject(Object.fromEntries(TIMELINE_MARKERS.map((m) => [m, KeyTimeModel])) as Record<TimelineMarker, typeof KeyTimeModel>)
    .describe('The incident’s key times: impact started, detected, acknowledged, mitigated, resolved'),
);

export const TimelineModel = model(
  'Timeline',
  z.strictObject({
    incident_id: Id,
    items: z.array(TimelineItemModel).describe('Oldest first'),
    key_times: KeyTimesModel,
  }),
);

export const TimelineMarkdownModel = model(
  'TimelineMarkdown',
  z.string().describe('The timeline as a Markdown table: | Time (UTC) | Event | Who |'),
);

export const TimelineEntryModel = model(
  'TimelineEntry',
  z
    .strictObject({
      id: Id,
      incident_id: Id,
      at: Time.describe('When it happened'),
      kind: z.enum(TIMELINE_ENTRY_KINDS),
      marker: z.enum(TIMELINE_MARKERS).nullable(),
      text: z.string(),
      who: z.string().nullable().describe('Who did it, when not the author'),
      author: z.string().describe('Who typed it'),
      reason: z.string().nullable(),
      created_at: Time,
    })
    .describe('A line people added to the timeline'),
);

export const ActionItemModel = model(
  'ActionItem',
  z
    .strictObject({
      id: Id,
      incident_id: Id,
      title: z.string(),
      owner_user_id: Id.nullable().describe('The owner, when a team member'),
      owner_name: z.string().nullable().describe('The owner’s name as shown'),
      priority: z.enum(ACTION_ITEM_PRIORITIES),
      due_at: Time.nullable(),
      status: z.enum(ACTION_ITEM_STATUSES),
      reason: z.string().nullable().describe("Why it won't be done (status wont_do)"),
      url: z.string().nullable().describe('The ticket in an external tracker'),
      done_at: Time.nullable(),
      overdue: z.boolean().describe('Open with its due date passed'),
      created_at: Time,
      updated_at: Time,
    })
    .describe('Follow-up work a postmortem decided on'),
);

export const ActionItemListModel = model(
  'ActionItemList',
  z.strictObject({
    data: z
      .array(ActionItemModel.extend({ incident_title: z.string() }))
      .describe('Soonest due first; items without a due date last (at most 500)'),
  }),
);

export const PostmortemModel = model(
  'Postmortem',
  z
    .strictObject({
      incident_id: Id,
      state: z.enum(POSTMORTEM_STATES).describe('draft -> in_review -> published (internal: completes it)'),
      due_at: Time.nullable().describe('Null: not required'),
      urgency: z.enum(['not_due', 'due_soon', 'overdue', 'done']).nullable().describe('Null without a due date'),
      owner_user_id: Id.nullable(),
      owner_name: z.string().nullable(),
      body: z.string().describe('The internal document (Markdown); before the first save, the template filled from the incident'),
      revision: z.number().int().describe('Send it back as base_revision when saving: a save over a newer revision is refused (409)'),
      published_at: Time.nullable().describe('When it was published internally'),
      public_body: z.string().nullable().describe('The customer-facing text (Markdown); null: not on the status page'),
      public_published_at: Time.nullable().describe('When it first went on the status page'),
      public_updated_at: Time.nullable().describe('When the customer-facing text last changed'),
      emailed_at: Time.nullable().describe("When the customer-facing text was queued for the incident's email subscribers (email_subscribers); null: never. At most once"),
      created_at: Time,
      updated_at: Time,
      action_items: z.array(ActionItemModel).describe('Oldest first'),
    })
    .describe("An incident's postmortem"),
);

export type ApiTimeline = z.input<typeof TimelineModel>;
export type ApiActionItem = z.input<typeof ActionItemModel>;
export type ApiPostmortem = z.input<typeof PostmortemModel>;

export function presentApiKeyTimes(keyTimes: Record<TimelineMarker, KeyTime>): z.input<typeof KeyTimesModel> {
  return Object.fromEntries(TIMELINE_MARKERS.map((m) => [m, { at: isoOrNull(keyTimes[m].at), corrected: keyTimes[m].corrected }])) as z.input<
    typeof KeyTimesModel
  >;
}

export function presentApiTimeline(timeline: IncidentTimeline): ApiTimeline {
  return {
    incident_id: timeline.incident.id,
    items: timeline.items.map((item) => ({
      at: iso(item.at),
      type: item.type,
      event: item.event,
      who: item.who,
      detail: item.detail,
      entry_id: item.entryId,
    })),
    key_times: presentApiKeyTimes(timeline.keyTimes),
  };
}

export function presentApiTimelineEntry(row: TimelineEntryRow): z.input<typeof TimelineEntryModel> {
  return {
    id: row.id,
    incident_id: row.incidentId,
    at: iso(row.at),
    kind: row.kind,
    marker: row.marker,
    text: row.text,
    who: row.who,
    author: row.author,
    reason: row.reason,
    created_at: iso(row.createdAt),
  };
}

export function presentApiActionItem(row: ActionItemRow, now: number): ApiActionItem {
  return {
    id: row.id,
    incident_id: row.incidentId,
    title: row.title,
    owner_user_id: row.ownerUserId,
    owner_name: row.ownerName,
    priority: row.priority,
    due_at: isoOrNull(row.dueAt),
    status: row.status,
    reason: row.reason,
    url: row.url,
    done_at: isoOrNull(row.doneAt),
    overdue: row.status === 'open' && row.dueAt !== null && row.dueAt < now,
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
  };
}

export function presentApiActionItemList(rows: ActionItemListRow[], now: number): z.input<typeof ActionItemListModel> {
  return { data: rows.map((row) => ({ ...presentApiActionItem(row, now), incident_title: row.incidentTitle })) };
}

/** The postmortem of a view that has one (the routes answer 404 otherwise). */
export function presentApiPostmortem(view: PostmortemView & { postmortem: NonNullable<PostmortemView['postmortem']> }, now: number): ApiPostmortem {
  const p = view.postmortem;
  return {
    incident_id: p.incidentId,
    state: p.state,
    due_at: isoOrNull(p.dueAt),
    urgency: view.urgency,
    owner_user_id: p.ownerUserId,
    owner_name: p.ownerName,
    body: view.body,
    revision: p.revision,
    published_at: isoOrNull(p.publishedAt),
    public_body: p.publicBody,
    public_published_at: isoOrNull(p.publicPublishedAt),
    public_updated_at: isoOrNull(p.publicUpdatedAt),
    emailed_at: isoOrNull(p.emailedAt),
    created_at: iso(p.createdAt),
    updated_at: iso(p.updatedAt),
    action_items: view.actionItems.map((item) => presentApiActionItem(item, now)),
  };
}
