import type BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DAY } from '../../src/domain/calendar.js';
import { createTestDeps } from '../support/deps.js';
import { makeComponent, makeIncident } from '../support/factories.js';

/**
 * The public page runs these queries on every change; with years of status
 * history and thousands of incidents they must seek indexes, never scan the
 * big tables. SQLite's own planner is asked, on the SQL the repos really send.
 */
describe('query plans of the public read path', () => {
  it('use indexes on component_status_changes, incidents and their children', async () => {
    const deps = await createTestDeps();
    const ids = [await makeComponent(deps), await makeComponent(deps)];
    await makeIncident(deps, { components: [{ componentId: ids[0]!, status: 'major_outage' }] });
    const client = (deps.db.orm as unknown as { $client: BetterSqlite3.Database }).$client;
    const plans: { sql: string; plan: string }[] = [];
    const prepare = client.prepare.bind(client);
    client.prepare = ((source: string) => {
      const statement = prepare(source);
      if (/^select/i.test(source)) {
        const params = Array.from({ length: countParams(source) }, () => 'x');
        const plan = prepare(`EXPLAIN QUERY PLAN ${source}`)
          .all(...params)
          .map((row) => (row as { detail: string }).detail)
          .join('\n');
        plans.push({ sql: source, plan });
      }
      return statement;
    }) as typeof client.prepare;

    const now = deps.clock.now();
    await deps.repos.components.historySince(ids, now - 90 * DAY);
    await deps.repos.incidents.listOpenIncidents();
    await deps.repos.incidents.listPendingMaintenance(now);
    await deps.repos.incidents.listStartedBetween(now - 14 * DAY, now);
    await deps.repos.incidents.anyStartedBefore(now);

    const big = ['component_status_changes', 'incidents', 'incident_updates', 'incident_update_components', 'incident_components'];
    expect(plans.some((p) => p.sql.includes('from "incident_update_components"'))).toBe(true);
    for (const { sql, plan } of plans) {
      for (const table of big) {
        expect(plan, `${sql}\n${plan}`).not.toMatch(new RegExp(`SCAN ${table}\\b`));
      }
    }
  });
});

function countParams(sql: string): number {
  return (sql.match(/\?/g) ?? []).length;
}
