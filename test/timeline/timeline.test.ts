// An incident's timeline: read from what Herald recorded, plus a scribe's notes and corrected key times.
import { describe, expect, it } from 'vitest';
import { ForbiddenError, ValidationError } from '../../src/lib/errors.js';
import { ingestAlerts } from '../../src/services/alerts/intake.js';
import { acknowledgeDraft } from '../../src/services/alerts/drafts.js';
import { declareIncident } from '../../src/services/incidents/declare.js';
import { postInternalUpdate } from '../../src/services/incidents/internal-updates.js';
import { changeSeverity } from '../../src/services/incidents/manage.js';
import { postUpdate } from '../../src/services/incidents/post-update.js';
import { setIncidentRoles } from '../../src/services/incidents/roles.js';
import {
  addTimelineNote,
  deleteTimelineNote,
  incidentTimeline,
  setKeyTime,
  timelineAsMarkdown,
} from '../../src/services/timeline/timeline.js';
import { FIXTURE_ACTOR, memberActor } from '../support/actors.js';
import { createTestDeps } from '../support/deps.js';
import { makeComponent, makeDestination } from '../support/factories.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 23, 12, 0);
const comms = memberActor('comms');

async function incidentWithHistory() {
  const deps = await createTestDeps({ now: T0 });
  const payments = await makeComponent(deps, { name: 'Payments' });
  await makeDestination(deps, { name: '#incidents' });
  // An alert fires at 11:56, someone acknowledges at 12:00, and declares from it at 12:02.
  const token = { kind: 'token' as const, id: 'tok', label: 'token: alertmanager', role: 'alerts' as const };
  const [draftId] = (
    await ingestAlerts(deps, token, [
      {
        source: 'alertmanager',
        key: 'fp1',
        status: 'firing',
        summary: 'Payments 5xx above 5%',
        description: null,
        labels: { service: 'payments' },
        links: [],
        severity: null,
        component: null,
        startsAt: T0 - 4 * MIN,
        endsAt: null,
        groupKey: 'g',
      },
    ])
  ).opened;
  await acknowledgeDraft(deps, comms, draftId!);
  deps.clock.advance(2 * MIN);
  const id = await declareIncident(
    deps,
    {
      title: 'Payments failing',
      severity: 2,
      body: 'We are investigating failed payments.',
      components: [{ componentId: payments, status: 'major_outage' }],
      alertDraftId: draftId!,
    },
    comms,
  );
  deps.clock.advance(3 * MIN);
  await changeSeverity(deps, FIXTURE_ACTOR, id, { severity: 1, reason: 'All card payments fail' });
  deps.clock.advance(MIN);
  await setIncidentRoles(deps, id, { ops_lead: { name: 'Bob from the DB team' } }, FIXTURE_ACTOR);
  await postInternalUpdate(deps, id, { body: 'DB failover started.' }, comms);
  deps.clock.advance(10 * MIN);
  await postUpdate(deps, { incidentId: id, status: 'monitoring', body: 'A fix is in place; we are watching.' }, comms);
  deps.clock.advance(20 * MIN);
  await postUpdate(deps, { incidentId: id, status: 'resolved', body: 'Payments work again.' }, comms);
  return { deps, id, payments };
}

describe('the incident timeline', () => {
  it('reads every recorded event, oldest first, with who did it', async () => {
    const { deps, id } = await incidentWithHistory();
    const { items, keyTimes } = await incidentTimeline(deps, memberActor('viewer'), id);
    const lines = items.map((i) => [(i.at - T0) / MIN, i.type, i.event, i.who]);
    expect(lines).toEqual(
      expect.arrayContaining([
        [-4, 'alert_firing', 'Alert firing (Prometheus Alertmanager): Payments 5xx above 5%', null],
        [0, 'alert_acknowledged', 'Alert acknowledged', 'Test comms'],
        [2, 'declared', 'Declared (SEV-2): Payments failing — Investigating', 'Test comms'],
        [2, 'component', 'Payments: Operational → Major outage', 'Test comms'],
        [5, 'severity', 'Severity SEV-2 → SEV-1: All card payments fail', 'Test owner'],
        [6, 'roles', 'Ops Lead: (none) → Bob from the DB team', 'Test owner'],
        [6, 'internal_update', 'Internal update: DB failover started.', 'Test comms'],
        [16, 'update', 'Public update (Monitoring): A fix is in place; we are watching.', 'Test comms'],
        [36, 'resolved', 'Resolved: public update', 'Test comms'],
      ]),
    );
    expect(items.some((i) => i.type === 'destinations' && i.event.includes('#incidents'))).toBe(true);
    // In time order.
    expect(items.map((i) => i.at)).toEqual([...items.map((i) => i.at)].sort((a, b) => a - b));
    // Key times from the data: the alert's start, its acknowledgement, the first Monitoring update, the Resolved one.
    expect(Object.fromEntries(Object.entries(keyTimes).map(([k, v]) => [k, v.at === null ? null : (v.at - T0) / MIN]))).toEqual({
      impact_started: -4,
      detected: -4,
      acknowledged: 0,
      mitigated: 16,
      resolved: 36,
    });
  });

  it('takes a scribe note at an earlier time, by someone named in free text, and removes one', async () => {
    const { deps, id } = await incidentWithHistory();
    const note = await addTimelineNote(deps, comms, id, { text: 'Bob restarted the primary | replica', at: T0 + 7 * MIN, who: 'Bob (DB team)' });
    const { items } = await incidentTimeline(deps, comms, id);
    expect(items.find((i) => i.type === 'note')).toMatchObject({ at: T0 + 7 * MIN, event: 'Bob restarted the primary | replica', who: 'Bob (DB team)', entryId: note.id });
    const markdown = timelineAsMarkdown(await incidentTimeline(deps, comms, id));
    expect(markdown.split('\n').slice(0, 2)).toEqual(['| Time (UTC) | Event | Who |', '| --- | --- | --- |']);
    expect(markdown).toContain('| 2026-11-23 12:07:00 | Bob restarted the primary \\| replica | Bob (DB team) |');
    await deleteTimelineNote(deps, comms, id, note.id);
    expect((await incidentTimeline(deps, comms, id)).items.some((i) => i.type === 'note')).toBe(false);
  });

  it('refuses an empty note, a note in the future, and a viewer', async () => {
    const { deps, id } = await incidentWithHistory();
    await expect(addTimelineNote(deps, comms, id, { text: '  ' })).rejects.toBeInstanceOf(ValidationError);
    await expect(addTimelineNote(deps, comms, id, { text: 'x', at: deps.clock.now() + 10 * MIN })).rejects.toBeInstanceOf(ValidationError);
    await expect(addTimelineNote(deps, memberActor('viewer'), id, { text: 'x' })).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('corrects a key time with a reason, refuses one out of order, and goes back to the data', async () => {
    const { deps, id } = await incidentWithHistory();
    // Impact began before the alert fired: earlier than detection is allowed.
    let times = await setKeyTime(deps, comms, id, { marker: 'impact_started', at: T0 - 10 * MIN, reason: 'Errors in the logs from 11:50' });
    expect(times.impact_started).toEqual({ at: T0 - 10 * MIN, corrected: true });
    await expect(setKeyTime(deps, comms, id, { marker: 'mitigated', at: T0 - 20 * MIN, reason: 'typo' })).rejects.toBeInstanceOf(ValidationError);
    await expect(setKeyTime(deps, comms, id, { marker: 'detected', at: T0, reason: '' })).rejects.toBeInstanceOf(ValidationError);
    const { items } = await incidentTimeline(deps, comms, id);
    expect(items.find((i) => i.type === 'marker')).toMatchObject({ at: T0 - 10 * MIN, event: 'Impact started (key time set)', detail: 'Errors in the logs from 11:50' });
    times = await setKeyTime(deps, comms, id, { marker: 'impact_started', at: null, reason: 'Back to the declared start' });
    expect(times.impact_started).toEqual({ at: T0 - 4 * MIN, corrected: false });
    expect((await deps.repos.incidents.findById(id))!.markerTimes).toBeNull();
  });
});
