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

describe('query plans of the outbox', () => {
  it('expand a fan-out by subscriber id range and prune by the status index, never scanning', async () => {
    const deps = await createTestDeps();
    const client = (deps.db.orm as unknown as { $client: BetterSqlite3.Database }).$client;
    const planOf = (statement: unknown): string => {
      const { sql, params } = (statement as { toSQL(): { sql: string; params: unknown[] } }).toSQL();
      return client
        .prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .all(...params)
        .map((row) => (row as { detail: string }).detail)
        .join('\n');
    };
    const outbox = deps.repos.outbox;
    const fanout = { updateId: 'u', kind: 'update' as const, incidentId: 'i', cursor: 'a', createdAt: 1 };
    const plans = [
      ...outbox.expandFanout(fanout, 'b'),
      ...outbox.expandFanout(fanout, null),
      ...outbox.prune('sent', { dueAt: 1, id: 5 }),
    ].map(planOf);
    expect(plans[0]).toMatch(/SEARCH s USING (COVERING )?INDEX sqlite_autoindex_subscribers_1 \(id>\? AND id<\?\)/);
    expect(plans[2]).toMatch(/SEARCH s USING (COVERING )?INDEX sqlite_autoindex_subscribers_1 \(id>\?\)/);
    expect(plans[4]).toMatch(/USING INDEX mail_outbox_status_due \(status=\? AND \(due_at,rowid\)<\(\?,\?\)\)/);
    for (const plan of plans) expect(plan).not.toMatch(/SCAN (mail_outbox|subscribers)\b/);
  });
});

function countParams(sql: string): number {
  return (sql.match(/\?/g) ?? []).length;
}

describe('query plans of the metrics', () => {
  it('seek incidents by incidents_kind_started_at and postmortems and action items by incident, never scanning', async () => {
    const deps = await createTestDeps();
    const client = (deps.db.orm as unknown as { $client: BetterSqlite3.Database }).$client;
    const plans: { sql: string; plan: string }[] = [];
    const prepare = client.prepare.bind(client);
    client.prepare = ((source: string) => {
      if (/^select/i.test(source)) {
        const params = Array.from({ length: countParams(source) }, () => 'x');
        const plan = prepare(`EXPLAIN QUERY PLAN ${source}`)
          .all(...params)
          .map((row) => (row as { detail: string }).detail)
          .join('\n');
        plans.push({ sql: source, plan });
      }
      return prepare(source);
    }) as typeof client.prepare;

    const now = deps.clock.now();
    await deps.repos.metrics.incidentTimes(now - 90 * DAY, now);
    await deps.repos.metrics.postmortemTimes(now - 90 * DAY, now);
    await deps.repos.metrics.actionItemTimes(now - 90 * DAY, now);

    expect(plans).toHaveLength(3);
    for (const { sql, plan } of plans) {
      expect(plan, sql).toMatch(/SEARCH incidents USING INDEX incidents_kind_started_at \(kind=\? AND started_at>\? AND started_at<\?\)/);
      expect(plan, sql).not.toMatch(/SCAN (incidents|postmortems|action_items)\b/);
    }
    expect(plans[1]!.plan).toMatch(/SEARCH postmortems USING INDEX sqlite_autoindex_postmortems_1 \(incident_id=\?\)/);
    expect(plans[2]!.plan).toMatch(/SEARCH action_items USING INDEX action_items_incident \(incident_id=\?\)/);
  });
});
