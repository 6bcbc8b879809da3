import {
  COMPONENT_STATUS_LABELS,
  IMPACT_LABELS,
  INCIDENT_STATUS_LABELS,
  type AnyIncidentStatus,
  type ComponentStatus,
  type Impact,
  type IncidentKind,
} from '../domain/constants.js';
import { effectiveStatus, isClosedStatus } from '../domain/lifecycle.js';
import type { IncidentDetail } from '../db/repos/incidents-repo.js';
import type { PublicPostmortem } from '../db/repos/postmortems-repo.js';
import type { ComponentRow } from '../db/schema.js';
import { formatDuration, type Formatter, type TimeView } from './format.js';
import { renderMarkdown } from './markdown.js';

export interface ComponentChangeView {
  name: string;
  oldStatus: ComponentStatus;
  newStatus: ComponentStatus;
  oldLabel: string;
  newLabel: string;
}

export interface UpdateView {
  id: string;
  status: AnyIncidentStatus;
  statusLabel: string;
  /** Sanitized HTML rendered from the Markdown body. */
  bodyHtml: string;
  at: TimeView;
  changes: ComponentChangeView[];
}

export interface IncidentView {
  id: string;
  url: string;
  kind: IncidentKind;
  title: string;
  /** Effective status (maintenance moves on with the clock). */
  status: AnyIncidentStatus;
  statusLabel: string;
  closed: boolean;
  impact: Impact;
  impactLabel: string;
  startedAt: TimeView;
  resolvedAt: TimeView | null;
  /** "1 h 23 min" once closed. */
  duration: string | null;
  components: { id: string; name: string }[];
  /** Newest first. */
  updates: UpdateView[];
  window: { from: TimeView; until: TimeView } | null;
  /** The next update promised to customers, while the incident is open. */
  nextUpdate: TimeView | null;
  /** The customer-facing postmortem, once published on the status page. */
  postmortem: PostmortemView | null;
}

export interface PostmortemView {
  /** Sanitized HTML rendered from the Markdown text, like updates. */
  bodyHtml: string;
  publishedAt: TimeView;
  /** Set when it was edited after it was published. */
  updatedAt: TimeView | null;
}

export function presentIncident(
  incident: IncidentDetail & { publicPostmortem?: PublicPostmortem | null },
  componentsById: ReadonlyMap<string, ComponentRow>,
  format: Formatter,
  now: number,
): IncidentView {
  const status = effectiveStatus(incident, now);
  const closed = isClosedStatus(status);
  const endedAt = incident.resolvedAt ?? (closed && incident.scheduledUntil !== null ? incident.scheduledUntil : null);
  const nameOf = (id: string): string => componentsById.get(id)?.name ?? 'Removed component';
  return {
    id: incident.id,
    url: `/incidents/${incident.id}`,
    kind: incident.kind,
    title: incident.title,
    status,
    statusLabel: INCIDENT_STATUS_LABELS[status],
    closed,
    impact: incident.impact,
    impactLabel: IMPACT_LABELS[incident.impact],
    startedAt: format.dateTime(incident.startedAt),
    resolvedAt: endedAt !== null ? format.dateTime(endedAt) : null,
    duration: endedAt !== null ? formatDuration(endedAt - incident.startedAt) : null,
    components: incident.componentIds
      .filter((id) => componentsById.get(id)?.hidden !== true)
      .map((id) => ({ id, name: nameOf(id) })),
    updates: incident.updates.map((update) => ({
      id: update.id,
      status: update.status,
      statusLabel: INCIDENT_STATUS_LABELS[update.status],
      bodyHtml: renderMarkdown(update.body),
      at: format.dateTime(update.at),
      changes: update.componentChanges
        .filter((change) => componentsById.get(change.componentId)?.hidden !== true)
        .map((change) => ({
          name: nameOf(change.componentId),
          oldStatus: change.oldStatus,
          newStatus: change.newStatus,
          oldLabel: COMPONENT_STATUS_LABELS[change.oldStatus],
          newLabel: COMPONENT_STATUS_LABELS[change.newStatus],
        })),
    })),
    nextUpdate: !closed && incident.nextUpdateAt !== null ? format.time(incident.nextUpdateAt) : null,
    postmortem: incident.publicPostmortem
      ? {
          bodyHtml: renderMarkdown(incident.publicPostmortem.body),
          publishedAt: format.dateTime(incident.publicPostmortem.publishedAt),
          updatedAt: incident.publicPostmortem.updatedAt > incident.publicPostmortem.publishedAt ? format.dateTime(incident.publicPostmortem.updatedAt) : null,
        }
      : null,
    window:
      incident.scheduledFor !== null && incident.scheduledUntil !== null
        ? { from: format.dateTime(incident.scheduledFor), until: format.dateTime(incident.scheduledUntil) }
        : null,
  };
}
