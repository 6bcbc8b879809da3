import { TIMELINE_MARKERS, type TimelineMarker } from './constants.js';

/*
 * The incident timeline (issue 17), pure: the key times (from the data,
 * unless a person corrected them) and the Markdown export.
 */

/** What an incident's key times default to, from what Herald recorded. */
export interface KeyTimeSource {
  startedAt: number;
  createdAt: number;
  detectedAt: number | null;
  acknowledgedAt: number | null;
  monitoringAt: number | null;
  resolvedAt: number | null;
  /** The times people corrected (incidents.marker_times). */
  markerTimes: Partial<Record<TimelineMarker, number>> | null;
}

export interface KeyTime {
  at: number | null;
  /** A person set it (a marker entry with its reason); else it comes from the data. */
  corrected: boolean;
}

/**
 * The defaults: impact started when the incident says it started (or at
 * detection, if that was earlier); detected
 * when the alert it was declared from began (else when it was declared);
 * acknowledged when someone acknowledged the alert (else when it was
 * declared: declaring takes it on); mitigated at the first Monitoring
 * update (else at resolution: impact stopped by then at the latest);
 * resolved at the Resolved update. An incident written down after it was
 * over (created after its resolution) has no detection or acknowledgement
 * time unless a person gives one: its creation time says nothing.
 */
export function defaultKeyTimes(i: KeyTimeSource): Record<TimelineMarker, number | null> {
  const writtenAfter = i.resolvedAt !== null && i.createdAt > i.resolvedAt;
  const detected = i.detectedAt ?? (writtenAfter ? null : i.createdAt);
  return {
    // Customers were hurt by the time we knew at the latest (an alert can fire before anyone declares).
    impact_started: detected === null ? i.startedAt : Math.min(i.startedAt, detected),
    detected,
    acknowledged: i.acknowledgedAt ?? (writtenAfter ? null : i.createdAt),
    mitigated: i.monitoringAt ?? i.resolvedAt,
    resolved: i.resolvedAt,
  };
}

export function keyTimes(i: KeyTimeSource): Record<TimelineMarker, KeyTime> {
  const defaults = defaultKeyTimes(i);
  return Object.fromEntries(
    TIMELINE_MARKERS.map((marker) => {
      const corrected = i.markerTimes?.[marker];
      return [marker, corrected === undefined ? { at: defaults[marker], corrected: false } : { at: corrected, corrected: true }];
    }),
  ) as Record<TimelineMarker, KeyTime>;
}

/** One line of an incident's timeline as exported. */
export interface TimelineRow {
  at: number;
  event: string;
  who: string | null;
}

/** "2026-11-02 09:04:05" (UTC), the export's time column. */
export function utcTimestamp(at: number): string {
  return new Date(at).toISOString().slice(0, 19).replace('T', ' ');
}

/** A table cell: one line, pipes escaped, so typed text cannot break the table. */
export function markdownCell(text: string): string {
  return text.replace(/\r\n?|\n/g, ' ').replace(/\\/g, '\\\\').replace(/\|/g, '\\|').trim();
}

/** The timeline as the Markdown table teams paste into their docs, oldest first. */
export function timelineMarkdown(rows: readonly TimelineRow[]): string {
  const lines = ['| Time (UTC) | Event | Who |', '| --- | --- | --- |'];
  for (const row of [...rows].sort((a, b) => a.at - b.at)) {
    lines.push(`| ${utcTimestamp(row.at)} | ${markdownCell(row.event)} | ${markdownCell(row.who ?? '')} |`);
  }
  return lines.join('\n');
}
