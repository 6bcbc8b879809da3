// The action items of every incident at /admin/action-items, filtered by owner, status and overdue.
import { describe, expect, it } from 'vitest';
import { createActionItem, updateActionItem } from '../../src/services/postmortems/action-items.js';
import { FIXTURE_ACTOR } from '../support/actors.js';
import { adminGet, signIn } from '../support/admin.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { makeIncident } from '../support/factories.js';
import { get } from '../support/http.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 23, 12, 0);

async function fixture(deps: TestDeps) {
  const ada = await signIn(deps, 'comms');
  const db = await makeIncident(deps, { title: 'Database failover', severity: 1 });
  const cdn = await makeIncident(deps, { title: 'CDN <b>errors</b>', severity: 2 });
  const late = await createActionItem(deps, FIXTURE_ACTOR, db, { title: 'Alert on replica lag', priority: 'P0', ownerUserId: ada.userId, dueAt: T0 - 2 * HOUR });
  const later = await createActionItem(deps, FIXTURE_ACTOR, cdn, {
    title: 'Runbook for <script>alert(1)</script>',
    priority: 'P2',
    ownerName: 'Grace',
    dueAt: T0 + 48 * HOUR,
    url: 'https://tracker.example/ISSUE-7',
  });
  const done = await createActionItem(deps, FIXTURE_ACTOR, cdn, { title: 'Raise the cache TTL', ownerUserId: ada.userId, dueAt: T0 - 48 * HOUR });
  await updateActionItem(deps, FIXTURE_ACTOR, done.id, { status: 'done' });
  return { ada, db, cdn, late, later, done };
}

describe('the action item list', () => {
  it('lists the open items of every incident by default, soonest due first, linked to their incidents, escaped', async () => {
    const deps = await createTestDeps({ now: T0 });
    const f = await fixture(deps);
    const viewer = await signIn(deps, 'viewer');
    const res = await adminGet(deps, '/admin/action-items', viewer);
    expect(res.status).toBe(200);
    expect(res.text).toContain('aria-current="page">Action items</a>');
    expect(res.text.indexOf('Alert on replica lag')).toBeGreaterThan(0);
    expect(res.text.indexOf('Alert on replica lag')).toBeLessThan(res.text.indexOf('Runbook for'));
    expect(res.text).not.toContain('Raise the cache TTL');
    expect(res.text).toContain(`href="/admin/incidents/${f.db}"`);
    expect(res.text).toContain(`href="/admin/incidents/${f.cdn}/postmortem"`);
    expect(res.text).toContain('CDN &lt;b&gt;errors&lt;/b&gt;');
    expect(res.text).toContain('Runbook for &lt;script&gt;');
    expect(res.text).not.toContain('<script>alert(1)');
    expect(res.text).toContain('href="https://tracker.example/ISSUE-7"');
    // Late is said in words, not only in colour.
    const lateCard = res.text.slice(res.text.indexOf(`id="action-item-${f.late.id}"`));
    expect(lateCard.slice(0, 800)).toContain('<strong>Overdue:</strong>');
    expect(lateCard.slice(0, 800)).toContain('overdue by 2 h');
  });

  it('filters by owner, status and overdue from the query', async () => {
    const deps = await createTestDeps({ now: T0 });
    const f = await fixture(deps);
    const viewer = await signIn(deps, 'viewer');
    const titles = async (query: string) => {
      const res = await adminGet(deps, `/admin/action-items${query}`, viewer);
      expect(res.status, query).toBe(200);
      return ['Alert on replica lag', 'Runbook for', 'Raise the cache TTL'].filter((t) => res.text.includes(t));
    };
    expect(await titles(`?owner=${f.ada.userId}`)).toEqual(['Alert on replica lag']);
    expect(await titles(`?owner=${f.ada.userId}&status=all`)).toEqual(['Alert on replica lag', 'Raise the cache TTL']);
    expect(await titles('?status=done')).toEqual(['Raise the cache TTL']);
    expect(await titles('?status=all&overdue=1')).toEqual(['Alert on replica lag']);
    expect(await titles('?status=wont_do')).toEqual([]);
    // The form keeps the chosen filters.
    const res = await adminGet(deps, `/admin/action-items?owner=${f.ada.userId}&status=done&overdue=1`, viewer);
    expect(res.text).toContain(`<option value="${f.ada.userId}" selected>`);
    expect(res.text).toContain('name="overdue" value="1" checked');
  });

  it('answers invalid filters with 400 and the form, never an error page or a 500', async () => {
    const deps = await createTestDeps({ now: T0 });
    await fixture(deps);
    const viewer = await signIn(deps, 'viewer');
    for (const query of ['?status=closed', '?owner=%3Cscript%3E', '?overdue=yes', '?status=<b>x</b>']) {
      const res = await adminGet(deps, `/admin/action-items${query}`, viewer);
      expect(res.status, query).toBe(400);
      expect(res.text).toContain('Those filters are not valid');
      expect(res.text).toContain('action="/admin/action-items"');
      expect(res.text).not.toContain('<script>');
    }
  });

  it('sends anonymous visitors to sign in', async () => {
    const deps = await createTestDeps({ now: T0 });
    const res = await get(deps, '/admin/action-items?status=all');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/login?next=%2Fadmin%2Faction-items%3Fstatus%3Dall');
  });
});
