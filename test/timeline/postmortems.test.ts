// Postmortems created on resolution with a due date, the editor's save that never loses text, review states, action items.
import { describe, expect, it } from 'vitest';
import { ConflictError, ForbiddenError, ValidationError } from '../../src/lib/errors.js';
import { postUpdate } from '../../src/services/incidents/post-update.js';
import { createActionItem, deleteActionItem, listActionItems, updateActionItem } from '../../src/services/postmortems/action-items.js';
import {
  loadPostmortem,
  publishPublicPostmortem,
  savePostmortem,
  setPostmortemState,
  startPostmortem,
} from '../../src/services/postmortems/postmortems.js';
import { FIXTURE_ACTOR, memberActor } from '../support/actors.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { makeComponent, makeDestination, makeIncident } from '../support/factories.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 23, 12, 0);
const comms = memberActor('comms');

async function resolved(deps: TestDeps, severity: 1 | 2 | 3 | 4) {
  const payments = await makeComponent(deps, { name: 'Payments' });
  const id = await makeIncident(deps, {
    title: 'Payments failing',
    severity,
    components: [{ componentId: payments, status: 'major_outage' }],
    roles: { incident_commander: { name: 'Ada Lovelace' } },
  });
  deps.clock.advance(HOUR);
  await postUpdate(deps, { incidentId: id, status: 'resolved', body: 'Payments work again.' }, comms);
  return id;
}

describe('postmortems on resolution', () => {
  it('are created for SEV-1 due 48 h after resolution, owned by the Incident Commander, and said in the resolution message', async () => {
    const deps = await createTestDeps({ now: T0 });
    await makeDestination(deps, { name: '#incidents' });
    const id = await resolved(deps, 1);
    const row = await deps.repos.postmortems.find(id);
    expect(row).toMatchObject({ state: 'draft', dueAt: T0 + HOUR + 48 * HOUR, ownerName: 'Ada Lovelace', body: '', revision: 0 });
    const resolution = (await deps.repos.timeline.toldAbout(id)).find((g) => g.kind === 'resolution');
    expect(resolution).toBeDefined();
    const message = JSON.stringify((await deps.repos.destinations.deliveriesOf((await deps.repos.destinations.list())[0]!.id, 10))[0]!.message);
    expect(message).toContain('Postmortem due');
    expect(message).toContain('2026-11-25 13:00 UTC');
  });

  it('give a postmortem started before the resolution its due date when the incident resolves', async () => {
    const deps = await createTestDeps({ now: T0 });
    const id = await makeIncident(deps, { severity: 1 });
    expect(await startPostmortem(deps, comms, id)).toMatchObject({ dueAt: null });
    deps.clock.advance(HOUR);
    await postUpdate(deps, { incidentId: id, status: 'resolved', body: 'Fixed.' }, comms);
    expect((await deps.repos.postmortems.find(id))!.dueAt).toBe(T0 + HOUR + 48 * HOUR);
  });

  it('follow the due table per severity; SEV-4 gets none; resolving again adds none', async () => {
    const deps = await createTestDeps({ now: T0 });
    const sev3 = await resolved(deps, 3);
    expect((await deps.repos.postmortems.find(sev3))!.dueAt).toBe(T0 + HOUR + 168 * HOUR);
    const sev4 = await resolved(deps, 4);
    expect(await deps.repos.postmortems.find(sev4)).toBeUndefined();
    await deps.db.atomic([deps.repos.settings.update({ postmortemDueHours: { '1': 24, '2': 48, '3': 96, '4': 336 }, updatedAt: T0 })]);
    const sev4b = await resolved(deps, 4);
    expect((await deps.repos.postmortems.find(sev4b))!.dueAt).toBe(deps.clock.now() + 336 * HOUR);
  });
});

describe('the postmortem document', () => {
  it('starts from the template with the facts and the timeline filled in', async () => {
    const deps = await createTestDeps({ now: T0 });
    const id = await resolved(deps, 2);
    const view = await loadPostmortem(deps, memberActor('viewer'), id);
    expect(view.body).toContain('# Postmortem: Payments failing');
    expect(view.body).toContain('- **Severity:** SEV-2');
    expect(view.body).toContain('- **Duration:** 1 h');
    expect(view.body).toContain('- **Affected components:** Payments');
    expect(view.body).toContain('| Time (UTC) | Event | Who |');
    expect(view.body).toContain('Declared (SEV-2): Payments failing');
    expect(view.body).not.toMatch(/\{\{(title|timeline|severity)\}\}/);
    expect(view.urgency).toBe('not_due');
  });

  it('saves against the revision it started from, and refuses a save over a newer one', async () => {
    const deps = await createTestDeps({ now: T0 });
    const id = await resolved(deps, 1);
    const first = await savePostmortem(deps, comms, id, { body: 'Draft one', baseRevision: 0 });
    expect(first.revision).toBe(1);
    // A second editor who opened revision 0 tries to save: refused, nothing lost from the first.
    await expect(savePostmortem(deps, FIXTURE_ACTOR, id, { body: 'Other text', baseRevision: 0 })).rejects.toBeInstanceOf(ConflictError);
    expect((await deps.repos.postmortems.find(id))!.body).toBe('Draft one');
    const second = await savePostmortem(deps, comms, id, { body: 'Draft two', baseRevision: 1 });
    expect(second).toMatchObject({ body: 'Draft two', revision: 2 });
  });

  it('moves Draft -> In review -> Published, and publishing completes it', async () => {
    const deps = await createTestDeps({ now: T0 });
    const id = await resolved(deps, 1);
    await expect(setPostmortemState(deps, comms, id, { state: 'in_review' })).rejects.toBeInstanceOf(ValidationError);
    await savePostmortem(deps, comms, id, { body: 'Root cause: a full disk.', baseRevision: 0 });
    await setPostmortemState(deps, comms, id, { state: 'in_review' });
    deps.clock.advance(HOUR);
    const published = await setPostmortemState(deps, comms, id, { state: 'published' });
    expect(published).toMatchObject({ state: 'published', publishedAt: deps.clock.now() });
    expect((await loadPostmortem(deps, comms, id)).urgency).toBe('done');
    await expect(setPostmortemState(deps, memberActor('viewer'), id, { state: 'draft' })).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('publishes a customer-facing text on the page separately, keeping the first publication time', async () => {
    const deps = await createTestDeps({ now: T0 });
    const id = await resolved(deps, 1);
    const first = await publishPublicPostmortem(deps, comms, id, { publicBody: 'On 23 November payments failed for an hour.' });
    expect(first).toMatchObject({ publicPublishedAt: T0 + HOUR, publicUpdatedAt: T0 + HOUR });
    deps.clock.advance(HOUR);
    const edited = await publishPublicPostmortem(deps, comms, id, { publicBody: 'Corrected text.' });
    expect(edited).toMatchObject({ publicBody: 'Corrected text.', publicPublishedAt: T0 + HOUR, publicUpdatedAt: T0 + 2 * HOUR });
    const off = await publishPublicPostmortem(deps, comms, id, { publicBody: null });
    expect(off).toMatchObject({ publicBody: null, publicPublishedAt: null });
  });

  it('can be started by hand for an open or SEV-4 incident, without a due date', async () => {
    const deps = await createTestDeps({ now: T0 });
    const id = await makeIncident(deps, { severity: 4 });
    const row = await startPostmortem(deps, comms, id);
    expect(row).toMatchObject({ dueAt: null, state: 'draft' });
    await expect(publishPublicPostmortem(deps, comms, id, { publicBody: 'x' })).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('action items', () => {
  it('are created, done, refused as won\'t do without a reason, listed by overdue, and removed', async () => {
    const deps = await createTestDeps({ now: T0 });
    const id = await resolved(deps, 1);
    const disk = await createActionItem(deps, comms, id, { title: 'Alert on disk at 80%', priority: 'P0', dueAt: T0 + 24 * HOUR, url: 'https://github.com/acme/infra/issues/12' });
    const runbook = await createActionItem(deps, comms, id, { title: 'Write the failover runbook', priority: 'P2', ownerName: 'Bob' });
    await expect(createActionItem(deps, comms, id, { title: 'x', url: 'javascript:alert(1)' })).rejects.toBeInstanceOf(ValidationError);
    await expect(updateActionItem(deps, comms, runbook.id, { status: 'wont_do' })).rejects.toBeInstanceOf(ValidationError);
    deps.clock.advance(48 * HOUR);
    expect((await listActionItems(deps, comms, { overdue: true })).map((i) => i.title)).toEqual(['Alert on disk at 80%']);
    const done = await updateActionItem(deps, comms, disk.id, { status: 'done' });
    expect(done).toMatchObject({ status: 'done', doneAt: deps.clock.now() });
    expect(await listActionItems(deps, comms, { overdue: true })).toEqual([]);
    const wont = await updateActionItem(deps, comms, runbook.id, { status: 'wont_do', reason: 'The service is being retired' });
    expect(wont).toMatchObject({ status: 'wont_do', reason: 'The service is being retired', doneAt: null });
    await deleteActionItem(deps, comms, runbook.id);
    expect((await listActionItems(deps, comms, { incidentId: id })).map((i) => [i.title, i.incidentTitle])).toEqual([['Alert on disk at 80%', 'Payments failing']]);
  });
});
