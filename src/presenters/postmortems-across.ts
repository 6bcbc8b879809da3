import type { ActionItemListRow } from '../db/repos/postmortems-repo.js';
import { ACTION_ITEM_STATUS_LABELS, POSTMORTEM_STATE_LABELS } from '../domain/constants.js';
import type { PostmortemUrgency } from '../domain/postmortem.js';
import type { DuePostmortem } from '../services/postmortems/overview.js';
import { formatDuration, type Formatter, type TimeView } from './format.js';

/*
 * Postmortems and action items across incidents, for the dashboard and the
 * action item list. Urgency is said in words as well as in colour.
 */

export interface DueView {
  at: TimeView;
  overdue: boolean;
  /** "due in 1 d 23 h" or "overdue by 3 h". */
  text: string;
}

function dueView(dueAt: number, format: Formatter, now: number): DueView {
  const overdue = now > dueAt;
  return {
    at: format.dateTime(dueAt),
    overdue,
    text: overdue ? `overdue by ${formatDuration(now - dueAt)}` : `due in ${formatDuration(dueAt - now)}`,
  };
}

const URGENCY_LABELS: Record<PostmortemUrgency, string> = { not_due: 'Due', due_soon: 'Due soon', overdue: 'Overdue', done: 'Done' };

export interface DuePostmortemView {
  incidentId: string;
  title: string;
  severityLabel: string;
  stateLabel: string;
  urgency: PostmortemUrgency;
  urgencyLabel: string;
  owner: string;
  due: DueView;
}

export function presentDuePostmortem(p: DuePostmortem, format: Formatter, now: number): DuePostmortemView {
  return {
    incidentId: p.incidentId,
    title: p.title,
    severityLabel: p.severity === null ? 'No severity' : `SEV-${p.severity}`,
    stateLabel: POSTMORTEM_STATE_LABELS[p.state],
    urgency: p.urgency,
    urgencyLabel: URGENCY_LABELS[p.urgency],
    owner: p.ownerName ?? 'nobody yet',
    due: dueView(p.dueAt!, format, now),
  };
}

export interface ActionItemView {
  id: string;
  incidentId: string;
  incidentTitle: string;
  title: string;
  priority: string;
  status: string;
  statusLabel: string;
  reason: string | null;
  owner: string;
  due: DueView | null;
  /** The ticket in an external tracker (validated http(s) when saved). */
  url: string | null;
}

export function presentActionItem(item: ActionItemListRow, format: Formatter, now: number): ActionItemView {
  return {
    id: item.id,
    incidentId: item.incidentId,
    incidentTitle: item.incidentTitle,
    title: item.title,
    priority: item.priority,
    status: item.status,
    statusLabel: ACTION_ITEM_STATUS_LABELS[item.status],
    reason: item.reason,
    owner: item.ownerName ?? 'nobody yet',
    // Only an open item can be late; a done one shows when it was due, without urgency.
    due: item.dueAt === null ? null : item.status === 'open' ? dueView(item.dueAt, format, now) : { at: format.dateTime(item.dueAt), overdue: false, text: '' },
    url: item.url,
  };
}
