import { TIMELINE_MARKER_LABELS, TIMELINE_MARKERS, type TimelineMarker } from '../domain/constants.js';
import type { KeyTime } from '../domain/timeline.js';
import { formatLocalDateTime } from '../domain/calendar.js';
import type { TimelineItem, TimelineItemType } from '../services/timeline/timeline.js';
import type { Formatter, TimeView } from './format.js';

/** What each line of the timeline is, in a word the scribe recognizes. */
export const TIMELINE_TYPE_LABELS: Record<TimelineItemType, string> = {
  declared: 'Declared',
  update: 'Public update',
  internal_update: 'Internal update',
  severity: 'Severity',
  roles: 'Roles',
  links: 'Links',
  detection: 'Detection',
  component: 'Component',
  alert_firing: 'Alert',
  alert_resolved: 'Alert',
  alert_acknowledged: 'Acknowledged',
  email: 'Email',
  destinations: 'Team channels',
  resolved: 'Resolved',
  note: 'Note',
  marker: 'Key time',
  postmortem: 'Postmortem',
};

export interface TimelineRowView {
  at: number;
  /** The page's zone, and UTC (what the export and other teams use). */
  local: TimeView;
  utc: string;
  type: TimelineItemType;
  typeLabel: string;
  event: string;
  who: string | null;
  detail: string | null;
  /** A scribe note's id: only notes can be removed. */
  noteId: string | null;
}

/** "14:05:09 UTC" with the date: the second matters on a timeline. */
export function utcText(at: number): string {
  return `${new Date(at).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function presentTimelineRow(item: TimelineItem, format: Formatter): TimelineRowView {
  return {
    at: item.at,
    local: format.dateTime(item.at),
    utc: utcText(item.at),
    type: item.type,
    typeLabel: TIMELINE_TYPE_LABELS[item.type],
    event: item.event,
    who: item.who,
    // A note's text is its event; an update's text repeats in full under its line.
    detail: item.detail && item.detail.trim() !== item.event.trim() ? item.detail : null,
    noteId: item.entryId,
  };
}

export interface KeyTimeView {
  marker: TimelineMarker;
  label: string;
  at: TimeView | null;
  utc: string | null;
  corrected: boolean;
  /** The latest correction's reason, when corrected. */
  reason: string | null;
  /** The time as the correction form's datetime-local value (page zone). */
  inputValue: string;
}

export function presentKeyTimes(
  times: Record<TimelineMarker, KeyTime>,
  reasons: Partial<Record<TimelineMarker, string>>,
  format: Formatter,
): KeyTimeView[] {
  return TIMELINE_MARKERS.map((marker) => {
    const time = times[marker];
    return {
      marker,
      label: TIMELINE_MARKER_LABELS[marker],
      at: time.at === null ? null : format.dateTime(time.at),
      utc: time.at === null ? null : utcText(time.at),
      corrected: time.corrected,
      reason: time.corrected ? (reasons[marker] ?? null) : null,
      inputValue: time.at === null ? '' : formatLocalDateTime(time.at, format.timeZone),
    };
  });
}
