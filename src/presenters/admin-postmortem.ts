import { formatLocalDateTime } from '../domain/calendar.js';
import {
  ACTION_ITEM_PRIORITIES,
  ACTION_ITEM_STATUS_LABELS,
  ACTION_ITEM_STATUSES,
  POSTMORTEM_STATE_LABELS,
  POSTMORTEM_STATES,
  type ActionItemStatus,
  type PostmortemState,
} from '../domain/constants.js';
import type { ActionItemRow, PostmortemRow } from '../db/schema.js';
import type { PostmortemUrgency } from '../domain/postmortem.js';
import { formatDuration, type Formatter, type TimeView } from './format.js';

/** The review buttons: what moving to each state is called. */
const STATE_ACTIONS: Record<PostmortemState, string> = {
  draft: 'Back to draft',
  in_review: 'Send for review',
  published: 'Publish (internal)',
};

export interface PostmortemSummaryView {
  state: PostmortemState;
  stateLabel: string;
  revision: number;
  due: TimeView | null;
  /** "due in 2 days", "overdue by 5 h", "completed" */
  dueText: string | null;
  urgency: PostmortemUrgency | null;
  /** The due date as the editor's datetime-local value ('' = none). */
  dueInput: string;
  ownerUserId: string | null;
  ownerName: string | null;
  publishedAt: TimeView | null;
  publicBody: string;
  publicPublishedAt: TimeView | null;
  publicUpdatedAt: TimeView | null;
  /** The other states, as buttons. */
  moves: { state: PostmortemState; label: string }[];
}

export function presentPostmortemSummary(p: PostmortemRow, urgency: PostmortemUrgency | null, format: Formatter, now: number): PostmortemSummaryView {
  const dueText =
    p.dueAt === null
      ? null
      : urgency === 'done'
        ? 'completed'
        : p.dueAt < now
          ? `overdue by ${formatDuration(now - p.dueAt)}`
          : `due in ${formatDuration(p.dueAt - now)}`;
  return {
    state: p.state,
    stateLabel: POSTMORTEM_STATE_LABELS[p.state],
    revision: p.revision,
    due: p.dueAt === null ? null : format.dateTime(p.dueAt),
    dueText,
    urgency,
    dueInput: p.dueAt === null ? '' : formatLocalDateTime(p.dueAt, format.timeZone),
    ownerUserId: p.ownerUserId,
    ownerName: p.ownerName,
    publishedAt: p.publishedAt === null ? null : format.dateTime(p.publishedAt),
    publicBody: p.publicBody ?? '',
    publicPublishedAt: p.publicPublishedAt === null ? null : format.dateTime(p.publicPublishedAt),
    publicUpdatedAt: p.publicUpdatedAt === null ? null : format.dateTime(p.publicUpdatedAt),
    moves: POSTMORTEM_STATES.filter((s) => s !== p.state).map((state) => ({ state, label: STATE_ACTIONS[state] })),
  };
}

export interface ActionItemView {
  id: string;
  title: string;
  ownerUserId: string | null;
  ownerName: string | null;
  priority: string;
  due: TimeView | null;
  dueInput: string;
  overdue: boolean;
  status: ActionItemStatus;
  statusLabel: string;
  reason: string | null;
  url: string | null;
}

export function presentActionItem(item: ActionItemRow, format: Formatter, now: number): ActionItemView {
  return {
    id: item.id,
    title: item.title,
    ownerUserId: item.ownerUserId,
    ownerName: item.ownerName,
    priority: item.priority,
    due: item.dueAt === null ? null : format.dateTime(item.dueAt),
    dueInput: item.dueAt === null ? '' : formatLocalDateTime(item.dueAt, format.timeZone),
    overdue: item.status === 'open' && item.dueAt !== null && item.dueAt < now,
    status: item.status,
    statusLabel: ACTION_ITEM_STATUS_LABELS[item.status],
    reason: item.reason,
    url: item.url,
  };
}

export const PRIORITY_OPTIONS = ACTION_ITEM_PRIORITIES.map((p) => ({ value: p, label: p }));
export const STATUS_OPTIONS = ACTION_ITEM_STATUSES.map((s) => ({ value: s, label: ACTION_ITEM_STATUS_LABELS[s] }));
