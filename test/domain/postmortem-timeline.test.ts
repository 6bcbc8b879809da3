// Postmortem due dates and urgency, and the timeline's Markdown export.
import { describe, expect, it } from 'vitest';
import { postmortemDueAt, postmortemUrgency } from '../../src/domain/postmortem.js';
import { defaultKeyTimes, keyTimes, markdownCell, timelineMarkdown } from '../../src/domain/timeline.js';

const HOUR = 3_600_000;
const RESOLVED = Date.UTC(2026, 10, 2, 10, 0);

describe('postmortem due dates', () => {
  it('are 48 h, 72 h and a week after resolution for SEV-1, 2 and 3; SEV-4 needs none', () => {
    expect(postmortemDueAt(1, RESOLVED)).toBe(RESOLVED + 48 * HOUR);
    expect(postmortemDueAt(2, RESOLVED)).toBe(RESOLVED + 72 * HOUR);
    expect(postmortemDueAt(3, RESOLVED)).toBe(RESOLVED + 168 * HOUR);
    expect(postmortemDueAt(4, RESOLVED)).toBeNull();
  });

  it('follow a configured table', () => {
    expect(postmortemDueAt(4, RESOLVED, { 1: 24, 2: 48, 3: 96, 4: 336 })).toBe(RESOLVED + 336 * HOUR);
    expect(postmortemDueAt(1, RESOLVED, { 1: null, 2: 48, 3: 96, 4: null })).toBeNull();
  });

  it('are due soon from a day before, overdue after, done once completed', () => {
    const due = RESOLVED + 48 * HOUR;
    expect(postmortemUrgency(due, null, due - 25 * HOUR)).toBe('not_due');
    expect(postmortemUrgency(due, null, due - 24 * HOUR)).toBe('due_soon');
    expect(postmortemUrgency(due, null, due)).toBe('due_soon');
    expect(postmortemUrgency(due, null, due + 1)).toBe('overdue');
    expect(postmortemUrgency(due, due + HOUR, due + 2 * HOUR)).toBe('done');
  });
});

describe('timeline export', () => {
  it('is the | Time (UTC) | Event | Who | table, oldest first', () => {
    const md = timelineMarkdown([
      { at: Date.UTC(2026, 10, 2, 9, 12, 5), event: 'Declared SEV-1', who: 'Ada Lovelace' },
      { at: Date.UTC(2026, 10, 2, 9, 4), event: 'Alert firing: Payments 5xx above 5%', who: null },
    ]);
    expect(md).toBe(
      [
        '| Time (UTC) | Event | Who |',
        '| --- | --- | --- |',
        '| 2026-11-02 09:04:00 | Alert firing: Payments 5xx above 5% |  |',
        '| 2026-11-02 09:12:05 | Declared SEV-1 | Ada Lovelace |',
      ].join('\n'),
    );
  });

  it('keeps typed pipes and line breaks from breaking the table', () => {
    expect(markdownCell('a | b\nc\\')).toBe('a \\| b c\\\\');
    const md = timelineMarkdown([{ at: 0, event: 'x | y\n| --- |', who: 'Eve | Mallory' }]);
    expect(md.split('\n')).toHaveLength(3);
    expect(md.split('\n')[2]).toBe('| 1970-01-01 00:00:00 | x \\| y \\| --- \\| | Eve \\| Mallory |');
  });
});

describe('key times', () => {
  const M = 60_000;
  const base = {
    startedAt: RESOLVED - 100 * M,
    createdAt: RESOLVED - 90 * M,
    detectedAt: null,
    acknowledgedAt: null,
    monitoringAt: RESOLVED - 30 * M,
    resolvedAt: RESOLVED,
    markerTimes: null,
  };

  it('come from the data: declared is detected and acknowledged, Monitoring is mitigated', () => {
    expect(defaultKeyTimes(base)).toEqual({
      impact_started: RESOLVED - 100 * M,
      detected: RESOLVED - 90 * M,
      acknowledged: RESOLVED - 90 * M,
      mitigated: RESOLVED - 30 * M,
      resolved: RESOLVED,
    });
  });

  it("take the alert's times when declared from one, and resolution as mitigation without a Monitoring update", () => {
    const times = defaultKeyTimes({ ...base, detectedAt: RESOLVED - 95 * M, acknowledgedAt: RESOLVED - 93 * M, monitoringAt: null });
    expect(times).toMatchObject({ detected: RESOLVED - 95 * M, acknowledged: RESOLVED - 93 * M, mitigated: RESOLVED });
  });

  it('leave detection and acknowledgement unknown for an incident written down after it was over', () => {
    expect(defaultKeyTimes({ ...base, createdAt: RESOLVED + 5 * M })).toMatchObject({ detected: null, acknowledged: null, impact_started: base.startedAt });
  });

  it('let a correction win, and say which are corrected', () => {
    const times = keyTimes({ ...base, markerTimes: { impact_started: RESOLVED - 120 * M } });
    expect(times.impact_started).toEqual({ at: RESOLVED - 120 * M, corrected: true });
    expect(times.detected).toEqual({ at: RESOLVED - 90 * M, corrected: false });
  });
});
