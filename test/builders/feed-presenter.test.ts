import { describe, expect, it } from 'vitest';
import type { IncidentDetail, UpdateDetail } from '../../src/db/repos/incidents-repo.js';
import type { ComponentRow, SettingsRow } from '../../src/db/schema.js';
import { presentFeed, type FeedSource } from '../../src/presenters/feed.js';

/*
 * presentFeed on its own, with hand-built rows (no database): what the feed
 * builders get from a page's incidents and maintenance — ids, titles, links,
 * dates, order, content and the one-line summary.
 */

const BASE = 'https://status.example.com';
const SELF = `${BASE}/history.atom`;
const T = (day: number, hour: number, minute = 0): number => Date.UTC(2026, 10, day, hour, minute);
const NOW = T(25, 12);

const settings = (overrides: Partial<SettingsRow> = {}): SettingsRow => ({
  id: 1,
  internalCadence: null,
  internalReminders: false,
  alertEscalationMinutes: 5,
  alertEscalationUserIds: null,
  postmortemDueHours: null,
  postmortemTemplate: null,
  componentNotifications: false,
  componentFlapWindowSeconds: 120,
  channelDisableAfterHours: 72,
  pageId: 'page1',
  name: 'Acme',
  url: BASE,
  timeZone: 'UTC',
  logoUrl: null,
  accentColor: '#2563eb',
  createdAt: Date.UTC(2025, 2, 1),
  updatedAt: T(1, 0),
  ...overrides,
});

const component = (id: string, name: string, overrides: Partial<ComponentRow> = {}): ComponentRow => ({
  id,
  groupId: null,
  name,
  description: null,
  position: 0,
  status: 'operational',
  hidden: false,
  onlyShowIfDegraded: false,
  startedAt: 0,
  example: false,
  createdAt: 0,
  updatedAt: 0,
  ...overrides,
});

const update = (id: string, status: UpdateDetail['status'], body: string, at: number): UpdateDetail => ({
  id,
  incidentId: 'x',
  status,
  body,
  at,
  placeholders: null,
  createdAt: at,
  updatedAt: at,
  componentChanges: [],
});

const incident = (id: string, overrides: Partial<IncidentDetail> = {}): IncidentDetail => ({
  id,
  kind: 'incident',
  title: `Incident ${id}`,
  severity: 2,
  impact: 'major',
  status: 'resolved',
  startedAt: T(20, 10),
  monitoringAt: null,
  resolvedAt: T(20, 12),
  scheduledFor: null,
  scheduledUntil: null,
  nextUpdateAt: null,
  notify: false,
  example: false,
  createdAt: T(20, 10),
  updatedAt: T(20, 12),
  sequence: 0,
  warRoomUrl: null,
  runbookUrl: null,
  dashboardUrl: null,
  internalRemindedAt: null,
  detectionSource: null,
  detectedAt: null,
  acknowledgedAt: null,
  acknowledgedBy: null,
  alertDraftId: null,
  markerTimes: null,
  updates: [],
  componentIds: [],
  ...overrides,
});

const source = (incidents: IncidentDetail[], overrides: Partial<FeedSource> = {}): FeedSource => ({
  settings: settings(),
  components: [component('api', 'API'), component('web', 'Web & "App"'), component('secret', 'Secret', { hidden: true })],
  incidents,
  tagAuthority: 'status.example.com',
  ...overrides,
});

describe('presentFeed: the feed itself', () => {
  it('for the whole page: a tag: id from the host and the page\'s creation year, the page name, links and the newest change', () => {
    const feed = presentFeed(source([incident('a', { updatedAt: T(21, 9) })]), BASE, SELF, NOW);
    expect({ ...feed, entries: feed.entries.length }).toEqual({
      id: 'tag:status.example.com,2025:history',
      title: 'Acme status',
      subtitle: 'Incidents and maintenance for Acme',
      selfUrl: SELF,
      alternateUrl: `${BASE}/`,
      updated: T(21, 9),
      entries: 1,
    });
  });

  it('for one component: its own id, title and subtitle', () => {
    const api = component('api', 'API');
    const feed = presentFeed(source([], { component: api }), BASE, `${BASE}/components/api/history.atom`, NOW);
    expect(feed.id).toBe('tag:status.example.com,2025:component/api');
    expect(feed.title).toBe('Acme · API status');
    expect(feed.subtitle).toBe('Incidents and maintenance affecting API');
  });

  it('without incidents: no entries, updated when the settings last changed', () => {
    const feed = presentFeed(source([], { settings: settings({ updatedAt: T(2, 3) }) }), BASE, SELF, NOW);
    expect(feed.entries).toEqual([]);
    expect(feed.updated).toBe(T(2, 3));
  });

  it('updated is the settings change when that is newer than every entry', () => {
    const feed = presentFeed(source([incident('a')], { settings: settings({ updatedAt: T(24, 0) }) }), BASE, SELF, NOW);
    expect(feed.updated).toBe(T(24, 0));
  });

  it('keeps ids when the page is read through another host name (the authority is fixed, not the base URL)', () => {
    const feed = presentFeed(source([incident('a')]), 'https://other.example.net', SELF, NOW);
    expect(feed.id).toBe('tag:status.example.com,2025:history');
    expect(feed.entries[0]!.id).toBe('tag:status.example.com,2025:incident/a');
    expect(feed.entries[0]!.link).toBe('https://other.example.net/incidents/a');
  });
});

describe('presentFeed: one entry per incident', () => {
  const resolved = incident('inc1', {
    title: 'Checkout errors',
    componentIds: ['api', 'secret', 'web'],
    updatedAt: T(20, 12, 5),
    // Newest first, as the repository gives them.
    updates: [
      update('u2', 'resolved', 'Fixed.', T(20, 12)),
      update('u1', 'investigating', 'We are **looking**.', T(20, 10, 30)),
    ],
  });

  it('has a tag: id, the title, the incident page, first update as published and the latest change as updated', () => {
    const [entry] = presentFeed(source([resolved]), BASE, SELF, NOW).entries;
    expect(entry).toMatchObject({
      id: 'tag:status.example.com,2025:incident/inc1',
      title: 'Checkout errors',
      link: `${BASE}/incidents/inc1`,
      published: T(20, 10, 30),
      updated: T(20, 12, 5),
    });
  });

  it('updated is the latest update when the row changed earlier than it', () => {
    const [entry] = presentFeed(source([incident('a', { updatedAt: T(20, 11), updates: [update('u', 'resolved', 'Fixed.', T(20, 13))] })]), BASE, SELF, NOW).entries;
    expect(entry!.updated).toBe(T(20, 13));
  });

  it('has every update in the content, newest first, then the visible affected components (escaped)', () => {
    const [entry] = presentFeed(source([resolved]), BASE, SELF, NOW).entries;
    expect(entry!.contentHtml).toBe(
      '<p><strong>Resolved</strong> · <time datetime="2026-11-20T12:00:00.000Z">20 Nov 2026, 12:00 UTC</time></p>' +
        '<p>Fixed.</p>\n' +
        '<p><strong>Investigating</strong> · <time datetime="2026-11-20T10:30:00.000Z">20 Nov 2026, 10:30 UTC</time></p>' +
        '<p>We are <strong>looking</strong>.</p>\n' +
        '<p>Affected components: API, Web &amp; &quot;App&quot;</p>',
    );
  });

  it('leaves out the affected-components line when none are visible', () => {
    const [entry] = presentFeed(source([incident('a', { componentIds: ['secret'], updates: [update('u', 'resolved', 'Fixed.', T(20, 12))] })]), BASE, SELF, NOW).entries;
    expect(entry!.contentHtml).not.toContain('Affected components');
  });

  it('summarises with the latest update: its status, then its body on one line without Markdown marks', () => {
    const [entry] = presentFeed(source([resolved]), BASE, SELF, NOW).entries;
    expect(entry!.summary).toBe('Resolved: Fixed.');
    const [marked] = presentFeed(
      source([incident('b', { updates: [update('u', 'identified', '# Cause\n\n> **Found** the `bad` _deploy_;\n\n  rolling  [back](https://x.example)', T(20, 11))] })]),
      BASE,
      SELF,
      NOW,
    ).entries;
    expect(marked!.summary).toBe('Identified: Cause Found the bad deploy; rolling back(https://x.example)');
  });

  it.each([
    { case: '280 characters: kept whole', body: 'a'.repeat(280), summary: 'a'.repeat(280) },
    { case: '281 characters: 279 and an ellipsis', body: 'a'.repeat(281), summary: `${'a'.repeat(279)}…` },
    { case: 'cut by code point, never inside an emoji', body: '😀'.repeat(300), summary: `${'😀'.repeat(279)}…` },
    { case: 'counted after whitespace collapses', body: `${'a '.repeat(140)}\n\n\n`, summary: `${'a '.repeat(139)}a` },
  ])('cuts the summary at 280 characters: $case', ({ body, summary }) => {
    const [entry] = presentFeed(source([incident('a', { updates: [update('u', 'resolved', body, T(20, 12))] })]), BASE, SELF, NOW).entries;
    expect(entry!.summary).toBe(`Resolved: ${summary}`);
    expect(Array.from(entry!.summary.slice('Resolved: '.length)).length).toBeLessThanOrEqual(280);
  });

  it('without updates: published at creation, summarised by the status alone', () => {
    const [entry] = presentFeed(source([incident('a', { status: 'investigating', resolvedAt: null, createdAt: T(20, 9), updatedAt: T(20, 9, 1) })]), BASE, SELF, NOW).entries;
    expect(entry).toMatchObject({ published: T(20, 9), updated: T(20, 9, 1), summary: 'Investigating', contentHtml: '' });
  });

  it('prefixes maintenance titles, and summarises maintenance without updates by its phase at `now`', () => {
    const maintenance = incident('m', {
      kind: 'maintenance',
      title: 'Database upgrade',
      severity: null,
      impact: 'maintenance',
      status: 'scheduled',
      resolvedAt: null,
      scheduledFor: T(25, 10),
      scheduledUntil: T(25, 14),
      createdAt: T(18, 9),
    });
    const [entry] = presentFeed(source([maintenance]), BASE, SELF, NOW).entries;
    expect(entry!.title).toBe('Maintenance: Database upgrade');
    expect(entry!.summary).toBe('In progress');
    expect(entry!.link).toBe(`${BASE}/incidents/m`);
  });
});

describe('presentFeed: order', () => {
  it('newest published first, whatever order the incidents come in', () => {
    const at = (id: string, ms: number): IncidentDetail => incident(id, { updates: [update(`u-${id}`, 'resolved', 'Done.', ms)] });
    const feed = presentFeed(source([at('old', T(1, 0)), at('new', T(22, 0)), at('mid', T(10, 0))]), BASE, SELF, NOW);
    expect(feed.entries.map((e) => e.id.split('/')[1])).toEqual(['new', 'mid', 'old']);
  });

  it('by first update, not last: a maintenance announced last week sorts below an incident today, even if updated later', () => {
    const maintenance = incident('m', {
      kind: 'maintenance',
      title: 'Planned',
      severity: null,
      impact: 'maintenance',
      status: 'completed',
      scheduledFor: T(24, 0),
      scheduledUntil: T(24, 2),
      updatedAt: T(25, 11),
      updates: [update('m2', 'completed', 'Done.', T(25, 11)), update('m1', 'scheduled', 'Planned.', T(17, 9))],
    });
    const today = incident('i', { updates: [update('i1', 'investigating', 'Looking.', T(25, 8))] });
    const feed = presentFeed(source([maintenance, today]), BASE, SELF, NOW);
    expect(feed.entries.map((e) => [e.title, e.published])).toEqual([
      ['Incident i', T(25, 8)],
      ['Maintenance: Planned', T(17, 9)],
    ]);
    expect(feed.updated).toBe(T(25, 11));
  });
});
