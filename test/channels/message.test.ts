// The shared pieces of every chat message: facts, durations, links, truncation.
import { describe, expect, it } from 'vitest';
import { ago, humanDuration, isAboutDraft, notificationFacts, notificationLinks, summaryLine, truncate, truncateEscaped } from '../../src/channels/message.js';
import { NOW, notification } from './fixtures.js';

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe('truncate', () => {
  it.each([
    ['short', 10, 'short'],
    ['exactly10!', 10, 'exactly10!'],
    ['eleven chars', 10, 'eleven ch…'],
    ['abc', 0, ''],
  ])('cuts %j to %d as %j', (text, max, expected) => {
    expect(truncate(text, max)).toBe(expected);
  });

  it('never splits an emoji into a lone surrogate', () => {
    const text = '🔥'.repeat(100);
    for (let max = 1; max < 30; max++) {
      const cut = truncate(text, max);
      expect(cut.length).toBeLessThanOrEqual(max);
      expect(cut).not.toMatch(LONE_SURROGATE);
    }
  });

  it('never cuts an escaped entity in half', () => {
    expect(truncateEscaped('aaaa&amp;&lt;bbbb', 8)).toBe('aaaa…');
    expect(truncateEscaped('aa&amp;bbbbbbbbbb', 10)).toBe('aa&amp;bb…');
  });
});

describe('durations', () => {
  it.each([
    [0, 'just now'],
    [59_999, 'just now'],
    [60_000, '1 min ago'],
    [12 * 60_000, '12 min ago'],
    [60 * 60_000, '1 h ago'],
    [125 * 60_000, '2 h 5 min ago'],
    [(26 * 60 + 3) * 60_000, '1 d 2 h ago'],
    [-5 * 60_000, 'just now'],
  ])('%d ms before now reads %j', (before, expected) => {
    expect(ago(NOW - before, NOW)).toBe(expected);
  });

  it('reads whole days alone', () => {
    expect(humanDuration(48 * 60)).toBe('2 d');
  });
});

describe('notificationFacts', () => {
  it('lists the declaration facts in order, with UTC and minutes ago', () => {
    expect(notificationFacts(notification(), NOW)).toEqual([
      { label: 'Severity', value: 'SEV-1' },
      { label: 'Status', value: 'Investigating' },
      { label: 'Impact', value: 'EU customers cannot pay' },
      { label: 'Started', value: '2025-03-04 04:54 UTC (12 min ago)' },
      { label: 'Next update', value: '2025-03-04 05:21 UTC' },
      { label: 'Incident Commander', value: 'Ada Lovelace' },
      { label: 'Comms Lead', value: '@grace' },
      { label: 'Status page', value: 'Posted on the status page' },
    ]);
  });

  it('adds the duration to updates and drops the next update from a resolution', () => {
    const labels = notificationFacts(notification({ kind: 'resolution', postedOnStatusPage: false }), NOW);
    expect(labels.map((f) => f.label)).toContain('Duration');
    expect(labels.map((f) => f.label)).not.toContain('Next update');
    expect(labels.at(-1)).toEqual({ label: 'Status page', value: 'Internal only' });
  });

  it('flattens line breaks so no fact can forge another line', () => {
    const facts = notificationFacts(notification({ roles: { incidentCommander: 'Eve\n*Severity*: SEV-4' } }), NOW);
    expect(facts.find((f) => f.label === 'Incident Commander')?.value).toBe('Eve *Severity*: SEV-4');
  });
});

describe('notificationLinks', () => {
  it('keeps admin, public, then the optional links, and drops anything not http(s)', () => {
    const links = notificationLinks({
      admin: 'https://a.example/admin',
      public: 'https://a.example/',
      warRoom: 'javascript:alert(1)',
      dashboard: 'https://grafana.example/d/1',
      runbook: 'not a url',
    });
    expect(links).toEqual([
      { label: 'Open in Herald', url: 'https://a.example/admin' },
      { label: 'Public page', url: 'https://a.example/' },
      { label: 'Dashboard', url: 'https://grafana.example/d/1' },
    ]);
  });

  it("puts an alert draft's Acknowledge and Declare first, and has no public page to offer", () => {
    const links = notificationLinks({
      admin: 'https://a.example/admin/alerts/d1',
      public: '',
      acknowledge: 'https://a.example/admin/alerts/d1/acknowledge',
      declare: 'https://a.example/admin/incidents/new?alert=d1',
    });
    expect(links.map((l) => l.label)).toEqual(['Acknowledge', 'Declare incident', 'Open in Herald']);
  });
});

describe('alert notifications', () => {
  it('say when the alert began firing, and are about a draft, not an incident', () => {
    const facts = notificationFacts(notification({ kind: 'alert', postedOnStatusPage: false }), NOW);
    expect(facts.map((f) => f.label)).toContain('Firing since');
    expect(facts.map((f) => f.label)).not.toContain('Started');
    expect(summaryLine(notification({ kind: 'alert', severityLabel: 'SEV-1 (suggested)' }))).toBe(
      '[SEV-1 (suggested)] Alert firing, unacknowledged: Checkout failing for EU customers',
    );
    expect(['alert', 'escalation', 'alert_acknowledged'].every((k) => isAboutDraft(k as never))).toBe(true);
    expect(isAboutDraft('declaration')).toBe(false);
  });
});
