// The dashboard's "after the fire" part: postmortems due (with owner), overdue P0/P1 action items.
import { describe, expect, it } from 'vitest';
import { postUpdate } from '../../src/services/incidents/post-update.js';
import { createActionItem } from '../../src/services/postmortems/action-items.js';
import { savePostmortem, setPostmortemState } from '../../src/services/postmortems/postmortems.js';
import { FIXTURE_ACTOR, memberActor } from '../support/actors.js';
import { adminGet, signIn } from '../support/admin.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { makeIncident } from '../support/factories.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 23, 12, 0);
const comms = memberActor('comms');

async function resolved(deps: TestDeps, title: string, severity: 1 | 2 | 3 | 4) {
  const id = await makeIncident(deps, { title, severity, roles: { incident_commander: { name: 'Ada <Lovelace>' } } });
  await postUpdate(deps, { incidentId: id, status: 'resolved', body: 'Fixed.' }, comms);
  return id;
}

describe('postmortems on the dashboard', () => {
  it('shows a resolved SEV-1 postmortem due in 48 h with its owner, then due soon, then overdue', async () => {
    const deps = await createTestDeps({ now: T0 });
    const id = await resolved(deps, 'Checkout down', 1);
    const card = async () => {
      // Signed in afresh: a session does not outlive a day of idleness.
      const text = (await adminGet(deps, '/admin', await signIn(deps, 'viewer'))).text;
      const at = text.indexOf('class="card postmortem-due"');
      expect(at, "a postmortem card").toBeGreaterThan(0);
      return text.slice(at, text.indexOf('</article>', at));
    };
    let shown = await card();
    expect(shown).toContain(`href="/admin/incidents/${id}/postmortem"`);
    expect(shown).toContain('Checkout down');
    expect(shown).toContain('SEV-1');
    expect(shown).toContain('<strong>Due:</strong>');
    expect(shown).toContain('(due in 2 days)');
    expect(shown).toContain('Owner: <strong>Ada &lt;Lovelace&gt;</strong>');
    expect(shown).toContain('Draft');
    deps.clock.advance(30 * HOUR);
    shown = await card();
    expect(shown).toContain('<strong>Due soon:</strong>');
    expect(shown).toContain('due in 18 h');
    deps.clock.advance(21 * HOUR);
    shown = await card();
    expect(shown).toContain('class="overdue"');
    expect(shown).toContain('<strong>Overdue:</strong>');
    expect(shown).toContain('overdue by 3 h');
  });

  it('drops a postmortem once it is published internally, and never lists SEV-4 or open incidents', async () => {
    const deps = await createTestDeps({ now: T0 });
    const id = await resolved(deps, 'Checkout down', 2);
    await resolved(deps, 'Typo on the pricing page', 4);
    await makeIncident(deps, { title: 'Still burning', severity: 1 });
    const viewer = await signIn(deps, 'viewer');
    let text = (await adminGet(deps, '/admin', viewer)).text;
    expect(text.split('class="card postmortem-due"')).toHaveLength(2);
    expect(text).not.toContain('Typo on the pricing page</a>');
    await savePostmortem(deps, FIXTURE_ACTOR, id, { body: '# What happened', baseRevision: 0 });
    await setPostmortemState(deps, FIXTURE_ACTOR, id, { state: 'in_review' });
    await setPostmortemState(deps, FIXTURE_ACTOR, id, { state: 'published' });
    text = (await adminGet(deps, '/admin', viewer)).text;
    expect(text).not.toContain('class="card postmortem-due"');
    expect(text).toContain('No postmortem is waiting to be written.');
  });
});

describe('overdue action items on the dashboard', () => {
  it('lists open P0 and P1 items past their due date, not P2, not done, not yet due', async () => {
    const deps = await createTestDeps({ now: T0 });
    const id = await makeIncident(deps, { title: 'Database failover', severity: 1 });
    await createActionItem(deps, FIXTURE_ACTOR, id, { title: 'P0 late', priority: 'P0', ownerName: 'Grace', dueAt: T0 - HOUR });
    await createActionItem(deps, FIXTURE_ACTOR, id, { title: 'P1 late', priority: 'P1', dueAt: T0 - 3 * HOUR });
    await createActionItem(deps, FIXTURE_ACTOR, id, { title: 'P2 late', priority: 'P2', dueAt: T0 - HOUR });
    await createActionItem(deps, FIXTURE_ACTOR, id, { title: 'P0 not yet', priority: 'P0', dueAt: T0 + HOUR });
    const viewer = await signIn(deps, 'viewer');
    const text = (await adminGet(deps, '/admin', viewer)).text;
    const section = text.slice(text.indexOf('id="overdue-items-h"'), text.indexOf('<h2>Maintenance</h2>'));
    expect(section).toContain('P1 late');
    expect(section).toContain('P0 late');
    expect(section.indexOf('P1 late')).toBeLessThan(section.indexOf('P0 late'));
    expect(section).not.toContain('P2 late');
    expect(section).not.toContain('P0 not yet');
    expect(section).toContain('Owner: <strong>Grace</strong>');
    expect(section).toContain('overdue by 1 h');
    expect(section).toContain('href="/admin/action-items?overdue=1"');
  });

  it('says when nothing is overdue', async () => {
    const deps = await createTestDeps({ now: T0 });
    const viewer = await signIn(deps, 'viewer');
    const text = (await adminGet(deps, '/admin', viewer)).text;
    expect(text).toContain('No P0 or P1 action item is overdue.');
    expect(text).toContain('href="/admin/metrics"');
  });
});
