/**
 * The repository contract: one suite, run against every database driver
 * (better-sqlite3 in test/contract/sqlite.test.ts, a local D1 through
 * Miniflare in test/contract/d1.test.ts). Whatever passes here behaves the
 * same on Node and on Workers.
 *
 * Writes go through the real services where that is how the app writes
 * (declareIncident, postUpdate, ...) and through the repos directly where a
 * test needs a shape the services do not produce. Every test gets a fresh
 * database from `open` and makes its own rows.
 */
import { and, count, eq, getTableColumns, getTableName, sql, type SQL } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database, Statement } from '../../src/db/database.js';
import type { Repos } from '../../src/db/repos/index.js';
import { JSON_ROWS_PER_STATEMENT, jsonChunks } from '../../src/db/repos/subscribers-repo.js';
import {
  auditLog,
  componentGroups,
  components,
  componentStatusChanges,
  incidentComponents,
  incidents,
  incidentUpdateComponents,
  incidentUpdates,
  mailOutbox,
  meta,
  settings,
  subscriberComponents,
  subscriberGroups,
  subscribers,
  type ComponentRow,
} from '../../src/db/schema.js';
import { DAY, HOUR, MINUTE } from '../../src/domain/calendar.js';
import type { ComponentStatus } from '../../src/domain/constants.js';
import type { Deps } from '../../src/deps.js';
import { ValidationError } from '../../src/lib/errors.js';
import { newId } from '../../src/lib/ids.js';
import { createComponent } from '../../src/services/components/components.js';
import { createGroup } from '../../src/services/components/groups.js';
import { declareIncident } from '../../src/services/incidents/declare.js';
import { EXAMPLE_META_KEY, removeExampleContent, seedExampleContent } from '../../src/services/settings/example-page.js';
import { initializePage } from '../../src/services/settings/initialize.js';
import { postUpdate } from '../../src/services/incidents/post-update.js';
import { scheduleMaintenance } from '../../src/services/maintenance/schedule.js';
import { importSubscribers } from '../../src/services/subscribers/manage.js';
import { depsOver, FakeClock, testConfig } from '../support/deps.js';
import { FIXTURE_ACTOR } from '../support/actors.js';
import { systemActor } from '../../src/services/auth/actor.js';

export interface OpenedDatabase {
  /** A migrated, empty database (no settings row yet). */
  db: Database;
  close(): Promise<void> | void;
}

export type OpenDatabase = () => Promise<OpenedDatabase>;

interface Ctx {
  db: Database;
  clock: FakeClock;
  deps: Deps;
  repos: Repos;
  /** The FakeClock's start: every test's "now". */
  now: number;
}

/** The tables whose changes the revision triggers (drizzle/0001) count. */
const CONTENT_TABLES = [
  'component_groups',
  'component_status_changes',
  'components',
  'incident_components',
  'incident_update_components',
  'incident_updates',
  'incidents',
  'settings',
] as const;

// ---------------------------------------------------------------- helpers

async function rowCount(db: Database, table: SQLiteTable, where?: SQL): Promise<number> {
  const query = db.orm.select({ n: count() }).from(table);
  const row = await (where ? query.where(where) : query).get();
  return row?.n ?? 0;
}

async function revision(ctx: Ctx): Promise<number> {
  const value = await ctx.repos.settings.revision();
  expect(value).toMatch(/^\d+$/);
  return Number(value);
}

/** Runs `statements` atomically and returns how much the revision moved. */
async function bumpOf(ctx: Ctx, statements: Statement[]): Promise<number> {
  const before = await revision(ctx);
  await ctx.db.atomic(statements);
  return (await revision(ctx)) - before;
}

async function component(ctx: Ctx, id: string): Promise<ComponentRow> {
  const [row] = await ctx.repos.components.findByIds([id]);
  if (!row) throw new Error(`component ${id} not found`);
  return row;
}

function componentRow(ctx: Ctx, overrides: Partial<ComponentRow> = {}): ComponentRow {
  return {
    id: newId(),
    groupId: null,
    name: `Component ${newId(4)}`,
    description: null,
    position: 0,
    status: 'operational',
    hidden: false,
    onlyShowIfDegraded: false,
    startedAt: ctx.now - 30 * DAY,
    example: false,
    createdAt: ctx.now,
    updatedAt: ctx.now,
    ...overrides,
  };
}

/**
 * Multi-row inserts for bulk test data, each under D1's 100 bound parameters.
 * (One statement per row is slow on Miniflare, where every statement is a
 * round trip to workerd.)
 */
function insertMany<T extends SQLiteTable>(ctx: Ctx, table: T, rows: T['$inferInsert'][]): Statement[] {
  const perStatement = Math.max(1, Math.floor(100 / Object.keys(getTableColumns(table)).length));
  const statements: Statement[] = [];
  for (let i = 0; i < rows.length; i += perStatement) {
    statements.push(ctx.db.orm.insert(table).values(rows.slice(i, i + perStatement) as never) as unknown as Statement);
  }
  return statements;
}

/** Inserts `n` components (no history) in one batch; returns their ids in order. */
async function insertComponents(ctx: Ctx, n: number): Promise<string[]> {
  const rows = Array.from({ length: n }, (_, i) => componentRow(ctx, { name: `Bulk ${i}`, position: i }));
  await ctx.db.atomic(insertMany(ctx, components, rows));
  return rows.map((row) => row.id);
}

/** A complete, valid settings row (the id is forced to 1 by the repo). */
function settingsRow(ctx: Ctx) {
  return {
    pageId: newId(),
    name: 'Contract Page',
    url: 'https://status.example.com',
    timeZone: 'Europe/Berlin',
    logoUrl: null,
    accentColor: '#123456',
    internalCadence: { '1': 10, '2': 45 },
    internalReminders: true,
    alertEscalationMinutes: 12,
    alertEscalationUserIds: ['member-1'],
    postmortemDueHours: { '1': 24, '2': 48 },
    postmortemTemplate: '# {{title}}',
    componentNotifications: true,
    componentFlapWindowSeconds: 300,
    channelDisableAfterHours: 24,
    createdAt: ctx.now,
    updatedAt: ctx.now,
  };
}

function incidentRow(ctx: Ctx, overrides: Partial<typeof incidents.$inferInsert> = {}): typeof incidents.$inferInsert {
  return {
    id: newId(),
    kind: 'incident',
    title: 'Raw incident',
    severity: 3,
    impact: 'minor',
    status: 'investigating',
    startedAt: ctx.now,
    createdAt: ctx.now,
    updatedAt: ctx.now,
    ...overrides,
  };
}

// ---------------------------------------------------------------- the suite

export function repoContract(name: string, open: OpenDatabase): void {
  describe(`repository contract: ${name}`, () => {
    let opened: OpenedDatabase | undefined;
    let ctx: Ctx;

    beforeEach(async () => {
      opened = await open();
      const clock = new FakeClock();
      const deps = depsOver(opened.db, clock);
      ctx = { db: opened.db, clock, deps, repos: deps.repos, now: clock.now() };
    });

    afterEach(async () => {
      await opened?.close();
      opened = undefined;
    });

    // ------------------------------------------------------------ schema
    describe('schema', () => {
      it('has every table and the 24 revision triggers of drizzle/0001', async () => {
        const tables = await ctx.db.orm.all<{ name: string }>(
          sql`SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ${[...CONTENT_TABLES, 'meta']} ORDER BY name`,
        );
        expect(tables.map((t) => t.name)).toEqual([...CONTENT_TABLES, 'meta'].sort());
        const triggers = await ctx.db.orm.all<{ name: string; tbl_name: string }>(
          sql`SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' ORDER BY name`,
        );
        expect(triggers).toHaveLength(CONTENT_TABLES.length * 3);
        for (const table of CONTENT_TABLES) {
          for (const op of ['insert', 'update', 'delete']) {
            expect(triggers).toContainEqual({ name: `${table}_${op}_revision`, tbl_name: table });
          }
        }
      });

      it('enforces foreign keys', async () => {
        await expect(
          ctx.db.atomic([ctx.repos.components.recordChange({ componentId: 'nosuchcomponent', status: 'operational', at: 1 })]),
        ).rejects.toThrow();
        expect(await rowCount(ctx.db, componentStatusChanges)).toBe(0);
      });
    });

    // ------------------------------------------------------------ settings & meta
    describe('settings and meta', () => {
      it('get() is undefined before initialization; initializePage creates row 1 once', async () => {
        expect(await ctx.repos.settings.get()).toBeUndefined();
        expect(await initializePage(ctx.deps)).toEqual({ created: true });
        const row = await ctx.repos.settings.get();
        expect(row).toMatchObject({
          id: 1,
          name: 'Test Cloud',
          url: 'http://status.test',
          timeZone: 'UTC',
          logoUrl: null,
          createdAt: ctx.now,
          updatedAt: ctx.now,
        });
        expect(row?.pageId).toMatch(/^[a-z0-9]{12}$/);
        ctx.clock.advance(HOUR);
        expect(await initializePage(ctx.deps)).toEqual({ created: false });
        expect(await ctx.repos.settings.get()).toEqual(row);
      });

      it('insert() always writes id 1 and round-trips every column; a second insert fails', async () => {
        const row = settingsRow(ctx);
        await ctx.db.atomic([ctx.repos.settings.insert(row)]);
        expect(await ctx.repos.settings.get()).toEqual({ id: 1, ...row });
        await expect(ctx.db.atomic([ctx.repos.settings.insert(settingsRow(ctx))])).rejects.toThrow();
        expect(await ctx.repos.settings.get()).toEqual({ id: 1, ...row });
      });

      it('two initializePage calls racing create exactly one settings row', async () => {
        const results = await Promise.all([initializePage(ctx.deps), initializePage(ctx.deps)]);
        expect(results.map((r) => r.created).sort()).toEqual([false, true]);
        expect(await rowCount(ctx.db, settings)).toBe(1);
      });

      it('revision starts at "0" after the migrations', async () => {
        expect(await ctx.repos.settings.revision()).toBe('0');
      });

      it('getMeta is undefined for a missing key; setMeta inserts, then upserts', async () => {
        expect(await ctx.repos.settings.getMeta('contract_key')).toBeUndefined();
        await ctx.db.atomic([ctx.repos.settings.setMeta('contract_key', 'first')]);
        expect(await ctx.repos.settings.getMeta('contract_key')).toBe('first');
        await ctx.db.atomic([ctx.repos.settings.setMeta('contract_key', 'second')]);
        expect(await ctx.repos.settings.getMeta('contract_key')).toBe('second');
        expect(await rowCount(ctx.db, meta, eq(meta.key, 'contract_key'))).toBe(1);
        // Other keys are untouched.
        await ctx.db.atomic([ctx.repos.settings.setMeta('other_key', 'x')]);
        expect(await ctx.repos.settings.getMeta('contract_key')).toBe('second');
        // meta is installation state, not page content: no revision trigger on it.
        expect(await ctx.repos.settings.revision()).toBe('0');
      });
    });

    // ------------------------------------------------------------ revision triggers
    describe('revision counter', () => {
      /** Every insert, update and delete on a content table bumps the revision by exactly one per row. */
      async function expectEachWriteBumps(statements: { insert: Statement; update: Statement; remove: Statement }): Promise<void> {
        expect(await bumpOf(ctx, [statements.insert])).toBe(1);
        expect(await bumpOf(ctx, [statements.update])).toBe(1);
        expect(await bumpOf(ctx, [statements.remove])).toBe(1);
      }

      /** A group, a component, an incident and an update to hang child rows on. */
      async function parents() {
        const group = newId();
        const comp = componentRow(ctx, { groupId: group });
        const incident = incidentRow(ctx);
        const updateId = newId();
        await ctx.db.atomic([
          ctx.repos.components.insertGroup({ id: group, name: 'G', position: 0, createdAt: ctx.now, updatedAt: ctx.now }),
          ctx.repos.components.insert(comp),
          ...ctx.repos.incidents.insert(incident, []),
          ...ctx.repos.incidents.insertUpdate(
            { id: updateId, incidentId: incident.id!, status: 'investigating', body: 'b', at: ctx.now, createdAt: ctx.now, updatedAt: ctx.now },
            [],
          ),
        ]);
        return { group, componentId: comp.id, incidentId: incident.id!, updateId };
      }

      it('settings: insert, update and delete each bump it', async () => {
        await expectEachWriteBumps({
          insert: ctx.repos.settings.insert(settingsRow(ctx)),
          update: ctx.db.orm.update(settings).set({ name: 'Renamed' }).where(eq(settings.id, 1)),
          remove: ctx.db.orm.delete(settings).where(eq(settings.id, 1)),
        });
      });

      it('component_groups: insert, update and delete each bump it', async () => {
        const id = newId();
        await expectEachWriteBumps({
          insert: ctx.repos.components.insertGroup({ id, name: 'G', position: 0, createdAt: ctx.now, updatedAt: ctx.now }),
          update: ctx.db.orm.update(componentGroups).set({ name: 'H' }).where(eq(componentGroups.id, id)),
          remove: ctx.db.orm.delete(componentGroups).where(eq(componentGroups.id, id)),
        });
      });

      it('components: insert, update and delete each bump it', async () => {
        const row = componentRow(ctx);
        await expectEachWriteBumps({
          insert: ctx.repos.components.insert(row),
          update: ctx.db.orm.update(components).set({ name: 'Renamed' }).where(eq(components.id, row.id)),
          remove: ctx.db.orm.delete(components).where(eq(components.id, row.id)),
        });
      });

      it('component_status_changes: insert, update and delete each bump it', async () => {
        const { componentId } = await parents();
        await expectEachWriteBumps({
          insert: ctx.repos.components.recordChange({ componentId, status: 'major_outage', at: ctx.now - HOUR }),
          update: ctx.db.orm
            .update(componentStatusChanges)
            .set({ status: 'partial_outage' })
            .where(eq(componentStatusChanges.componentId, componentId)),
          remove: ctx.db.orm.delete(componentStatusChanges).where(eq(componentStatusChanges.componentId, componentId)),
        });
      });

      it('incidents: insert, update and delete each bump it', async () => {
        const row = incidentRow(ctx);
        const [insert] = ctx.repos.incidents.insert(row, []);
        await expectEachWriteBumps({
          insert: insert!,
          update: ctx.repos.incidents.update(row.id!, { status: 'identified', updatedAt: ctx.now + 1 }),
          remove: ctx.db.orm.delete(incidents).where(eq(incidents.id, row.id!)),
        });
      });

      it('incident_components: insert, update and delete each bump it', async () => {
        const { componentId, incidentId } = await parents();
        const where = and(eq(incidentComponents.incidentId, incidentId), eq(incidentComponents.componentId, componentId));
        await expectEachWriteBumps({
          insert: ctx.db.orm.insert(incidentComponents).values({ incidentId, componentId }),
          update: ctx.db.orm.update(incidentComponents).set({ componentId }).where(where),
          remove: ctx.db.orm.delete(incidentComponents).where(where),
        });
      });

      it('incident_updates: insert, update and delete each bump it', async () => {
        const { incidentId } = await parents();
        const id = newId();
        const [insert] = ctx.repos.incidents.insertUpdate(
          { id, incidentId, status: 'identified', body: 'x', at: ctx.now, createdAt: ctx.now, updatedAt: ctx.now },
          [],
        );
        await expectEachWriteBumps({
          insert: insert!,
          update: ctx.db.orm.update(incidentUpdates).set({ body: 'edited' }).where(eq(incidentUpdates.id, id)),
          remove: ctx.db.orm.delete(incidentUpdates).where(eq(incidentUpdates.id, id)),
        });
      });

      it('incident_update_components: insert, update and delete each bump it', async () => {
        const { componentId, updateId } = await parents();
        const where = eq(incidentUpdateComponents.updateId, updateId);
        await expectEachWriteBumps({
          insert: ctx.db.orm
            .insert(incidentUpdateComponents)
            .values({ updateId, componentId, oldStatus: 'operational', newStatus: 'major_outage' }),
          update: ctx.db.orm.update(incidentUpdateComponents).set({ newStatus: 'partial_outage' }).where(where),
          remove: ctx.db.orm.delete(incidentUpdateComponents).where(where),
        });
      });

      it('every service write moves it forward', async () => {
        const seen: number[] = [await revision(ctx)];
        const step = async (work: () => Promise<unknown>) => {
          ctx.clock.advance(MINUTE);
          await work();
          const now = await revision(ctx);
          expect(now).toBeGreaterThan(seen[seen.length - 1]!);
          seen.push(now);
        };
        await step(() => initializePage(ctx.deps));
        let groupId = '';
        let componentId = '';
        let incidentId = '';
        await step(async () => (groupId = await createGroup(ctx.deps, { name: 'Core' }, FIXTURE_ACTOR)));
        await step(async () => (componentId = await createComponent(ctx.deps, { name: 'API', groupId }, FIXTURE_ACTOR)));
        await step(
          async () =>
            (incidentId = await declareIncident(ctx.deps, {
              title: 'Down',
              severity: 1,
              body: 'Looking.',
              components: [{ componentId, status: 'major_outage' }],
            }, FIXTURE_ACTOR)),
        );
        await step(() => postUpdate(ctx.deps, { incidentId, status: 'resolved', body: 'Fixed.' }, FIXTURE_ACTOR));
        await step(() =>
          scheduleMaintenance(ctx.deps, {
            title: 'Upgrade',
            body: 'Planned.',
            scheduledFor: ctx.now + DAY,
            scheduledUntil: ctx.now + DAY + HOUR,
            componentIds: [componentId],
          }, FIXTURE_ACTOR),
        );
        await step(() => seedExampleContent(ctx.deps, systemActor('example page')));
        await step(() => removeExampleContent(ctx.deps, FIXTURE_ACTOR));
      });
    });

    // ------------------------------------------------------------ groups & components
    describe('groups and components', () => {
      it('listGroups orders by position, then name, and round-trips every column', async () => {
        const late = await createGroup(ctx.deps, { name: 'Zulu', position: 2, description: 'last' }, FIXTURE_ACTOR);
        const bravo = await createGroup(ctx.deps, { name: 'Bravo', position: 0 }, FIXTURE_ACTOR);
        const alpha = await createGroup(ctx.deps, { name: 'Alpha', position: 0, example: true }, FIXTURE_ACTOR);
        const mid = await createGroup(ctx.deps, { name: 'Mike', position: 1 }, FIXTURE_ACTOR);
        const groups = await ctx.repos.components.listGroups();
        expect(groups.map((g) => g.id)).toEqual([alpha, bravo, mid, late]);
        expect(groups[3]).toEqual({
          id: late,
          name: 'Zulu',
          description: 'last',
          position: 2,
          example: false,
          createdAt: ctx.now,
          updatedAt: ctx.now,
        });
        expect(groups[0]!.example).toBe(true);
        expect(groups[1]!.description).toBeNull();
      });

      it('list orders by position, then name, includes hidden ones, and round-trips every column', async () => {
        const groupId = await createGroup(ctx.deps, { name: 'Core' }, FIXTURE_ACTOR);
        const startedAt = ctx.now - 10 * DAY;
        const c2 = await createComponent(ctx.deps, { name: 'Charlie', position: 2 }, FIXTURE_ACTOR);
        const c0b = await createComponent(ctx.deps, { name: 'Bravo', position: 0, hidden: true }, FIXTURE_ACTOR);
        const c0a = await createComponent(ctx.deps, {
          name: 'Alpha',
          position: 0,
          groupId,
          description: 'The API',
          status: 'degraded_performance',
          startedAt,
          example: true,
        }, FIXTURE_ACTOR);
        const c1 = await createComponent(ctx.deps, { name: 'Delta', position: 1 }, FIXTURE_ACTOR);
        const list = await ctx.repos.components.list();
        expect(list.map((c) => c.id)).toEqual([c0a, c0b, c1, c2]);
        expect(list[0]).toEqual({
          id: c0a,
          groupId,
          name: 'Alpha',
          description: 'The API',
          position: 0,
          status: 'degraded_performance',
          hidden: false,
          onlyShowIfDegraded: false,
          startedAt,
          example: true,
          createdAt: ctx.now,
          updatedAt: ctx.now,
        });
        expect(list[1]).toMatchObject({ hidden: true, groupId: null, description: null, startedAt: ctx.now });
      });

      it('createComponent opens the history at startedAt with the initial status', async () => {
        const startedAt = ctx.now - 5 * DAY;
        const id = await createComponent(ctx.deps, { name: 'API', status: 'partial_outage', startedAt }, FIXTURE_ACTOR);
        const history = await ctx.repos.components.historySince([id], 0);
        expect(history.get(id)).toEqual([{ status: 'partial_outage', at: startedAt }]);
      });

      it('createComponent rejects an unknown group and writes nothing', async () => {
        const before = await revision(ctx);
        await expect(createComponent(ctx.deps, { name: 'API', groupId: 'nosuchgroup1' }, FIXTURE_ACTOR)).rejects.toBeInstanceOf(ValidationError);
        expect(await rowCount(ctx.db, components)).toBe(0);
        expect(await revision(ctx)).toBe(before);
      });

      it('findByIds returns exactly the known ids, and nothing for an empty list', async () => {
        const ids = await insertComponents(ctx, 5);
        expect(await ctx.repos.components.findByIds([])).toEqual([]);
        const found = await ctx.repos.components.findByIds([ids[3]!, 'nosuchcomponent', ids[1]!]);
        expect(found.map((c) => c.id).sort()).toEqual([ids[1]!, ids[3]!].sort());
      });

      it('findByIds works with more than 100 ids (D1 binds at most 100 parameters)', async () => {
        const ids = await insertComponents(ctx, 250);
        const unknown = Array.from({ length: 20 }, () => newId());
        const found = await ctx.repos.components.findByIds([...unknown, ...ids]);
        expect(found).toHaveLength(250);
        expect(new Set(found.map((c) => c.id))).toEqual(new Set(ids));
        const byId = new Map(found.map((c) => [c.id, c]));
        expect(byId.get(ids[200]!)).toMatchObject({ name: 'Bulk 200', position: 200, hidden: false, example: false });
      });

      it('a group deleted under its components leaves them ungrouped (ON DELETE SET NULL)', async () => {
        const groupId = await createGroup(ctx.deps, { name: 'Core' }, FIXTURE_ACTOR);
        const id = await createComponent(ctx.deps, { name: 'API', groupId }, FIXTURE_ACTOR);
        await ctx.db.atomic([ctx.db.orm.delete(componentGroups).where(eq(componentGroups.id, groupId))]);
        expect((await component(ctx, id)).groupId).toBeNull();
      });
    });

    // ------------------------------------------------------------ status history
    describe('status history', () => {
      it('setStatus moves the current status and records the change', async () => {
        const id = await createComponent(ctx.deps, { name: 'API', startedAt: ctx.now - DAY }, FIXTURE_ACTOR);
        const incidentId = newId();
        await ctx.db.atomic([...ctx.repos.incidents.insert(incidentRow(ctx, { id: incidentId }), [])]);
        const at = ctx.now + MINUTE;
        await ctx.db.atomic(ctx.repos.components.setStatus({ componentId: id, status: 'major_outage', at, incidentId }, at + 5));
        expect(await component(ctx, id)).toMatchObject({ status: 'major_outage', updatedAt: at + 5 });
        const rows = await ctx.db.orm
          .select()
          .from(componentStatusChanges)
          .where(eq(componentStatusChanges.componentId, id))
          .orderBy(componentStatusChanges.at)
          .all();
        expect(rows.map(({ status, at, incidentId }) => ({ status, at, incidentId }))).toEqual([
          { status: 'operational', at: ctx.now - DAY, incidentId: null },
          { status: 'major_outage', at, incidentId },
        ]);
      });

      it('recordChange adds history without touching the current status', async () => {
        const id = await createComponent(ctx.deps, { name: 'API', startedAt: ctx.now - DAY }, FIXTURE_ACTOR);
        const before = await component(ctx, id);
        await ctx.db.atomic([ctx.repos.components.recordChange({ componentId: id, status: 'partial_outage', at: ctx.now - HOUR })]);
        expect(await component(ctx, id)).toEqual(before);
        expect((await ctx.repos.components.historySince([id], 0)).get(id)).toEqual([
          { status: 'operational', at: ctx.now - DAY },
          { status: 'partial_outage', at: ctx.now - HOUR },
        ]);
      });

      it('historySince opens with the last change before `from`, then every later change, sorted, per component', async () => {
        const t = ctx.now - 10 * DAY;
        const a = await createComponent(ctx.deps, { name: 'A', startedAt: t }, FIXTURE_ACTOR);
        const b = await createComponent(ctx.deps, { name: 'B', startedAt: t }, FIXTURE_ACTOR);
        const other = await createComponent(ctx.deps, { name: 'Other', startedAt: t }, FIXTURE_ACTOR);
        const from = t + 5 * DAY;
        const record = (componentId: string, status: ComponentStatus, at: number) =>
          ctx.repos.components.recordChange({ componentId, status, at });
        // Inserted out of time order on purpose: the result must still be sorted.
        await ctx.db.atomic([
          record(a, 'major_outage', from + 2 * HOUR),
          record(a, 'degraded_performance', t + DAY),
          record(a, 'partial_outage', t + 3 * DAY), // the last one before `from`
          record(a, 'operational', from + 3 * HOUR),
          record(a, 'under_maintenance', from), // exactly at `from`: in the window
          record(b, 'major_outage', t + 2 * DAY), // b's opening
          record(other, 'major_outage', from + HOUR),
          record(other, 'partial_outage', t + 4 * DAY),
        ]);
        const late = await createComponent(ctx.deps, { name: 'Late', startedAt: from + DAY }, FIXTURE_ACTOR);
        const history = await ctx.repos.components.historySince([a, b, late, 'nosuchcomponent'], from);
        expect([...history.keys()].sort()).toEqual([a, b, late, 'nosuchcomponent'].sort());
        expect(history.get(a)).toEqual([
          { status: 'partial_outage', at: t + 3 * DAY },
          { status: 'under_maintenance', at: from },
          { status: 'major_outage', at: from + 2 * HOUR },
          { status: 'operational', at: from + 3 * HOUR },
        ]);
        expect(history.get(b)).toEqual([{ status: 'major_outage', at: t + 2 * DAY }]);
        expect(history.get(late)).toEqual([{ status: 'operational', at: from + DAY }]);
        expect(history.get('nosuchcomponent')).toEqual([]);
        expect(history.has(other)).toBe(false);
      });

      it('historySince breaks ties at the same time by insertion order', async () => {
        const at = ctx.now - DAY;
        const [id] = await insertComponents(ctx, 1);
        await ctx.db.atomic([
          ctx.repos.components.recordChange({ componentId: id!, status: 'degraded_performance', at }),
          ctx.repos.components.recordChange({ componentId: id!, status: 'major_outage', at }),
          ctx.repos.components.recordChange({ componentId: id!, status: 'partial_outage', at: ctx.now }),
          ctx.repos.components.recordChange({ componentId: id!, status: 'operational', at: ctx.now }),
        ]);
        expect((await ctx.repos.components.historySince([id!], ctx.now - HOUR)).get(id!)).toEqual([
          { status: 'major_outage', at },
          { status: 'partial_outage', at: ctx.now },
          { status: 'operational', at: ctx.now },
        ]);
      });

      it('historySince of no components is an empty map; of a component without history, an empty list', async () => {
        expect((await ctx.repos.components.historySince([], 0)).size).toBe(0);
        const [id] = await insertComponents(ctx, 1);
        expect((await ctx.repos.components.historySince([id!], 0)).get(id!)).toEqual([]);
      });

      it('historySince works for more than 100 components (D1 binds at most 100 parameters)', async () => {
        const ids = await insertComponents(ctx, 120);
        const from = ctx.now - DAY;
        await ctx.db.atomic(
          insertMany(
            ctx,
            componentStatusChanges,
            ids.flatMap((componentId, i) => [
              { componentId, status: 'operational' as const, at: from - DAY - i },
              { componentId, status: 'degraded_performance' as const, at: from + i },
            ]),
          ),
        );
        const history = await ctx.repos.components.historySince(ids, from);
        expect(history.size).toBe(120);
        ids.forEach((id, i) => {
          expect(history.get(id)).toEqual([
            { status: 'operational', at: from - DAY - i },
            { status: 'degraded_performance', at: from + i },
          ]);
        });
      });
    });

    // ------------------------------------------------------------ incidents
    describe('incidents', () => {
      it('findById returns the incident with its updates newest first and their component changes', async () => {
        const api = await createComponent(ctx.deps, { name: 'API', startedAt: ctx.now - DAY }, FIXTURE_ACTOR);
        const db = await createComponent(ctx.deps, { name: 'DB', startedAt: ctx.now - DAY }, FIXTURE_ACTOR);
        const cdn = await createComponent(ctx.deps, { name: 'CDN', startedAt: ctx.now - DAY }, FIXTURE_ACTOR);
        const start = ctx.now;
        const id = await declareIncident(ctx.deps, {
          title: 'Errors',
          severity: 2,
          body: 'Investigating.',
          components: [
            { componentId: api, status: 'partial_outage' },
            { componentId: db, status: 'degraded_performance' },
          ],
        }, FIXTURE_ACTOR);
        ctx.clock.advance(10 * MINUTE);
        const identified = await postUpdate(ctx.deps, {
          incidentId: id,
          status: 'identified',
          body: 'Found it.',
          components: [
            { componentId: api, status: 'major_outage' },
            { componentId: cdn, status: 'degraded_performance' },
          ],
        }, FIXTURE_ACTOR);
        ctx.clock.advance(10 * MINUTE);
        const monitoring = await postUpdate(ctx.deps, { incidentId: id, status: 'monitoring', body: 'Watching.' }, FIXTURE_ACTOR);
        ctx.clock.advance(10 * MINUTE);
        const resolved = await postUpdate(ctx.deps, {
          incidentId: id,
          status: 'resolved',
          body: 'Fixed.',
          components: [
            { componentId: api, status: 'operational' },
            { componentId: db, status: 'operational' },
            { componentId: cdn, status: 'operational' },
          ],
        }, FIXTURE_ACTOR);

        const incident = await ctx.repos.incidents.findById(id);
        expect(incident).toMatchObject({
          id,
          kind: 'incident',
          title: 'Errors',
          severity: 2,
          impact: 'major',
          status: 'resolved',
          startedAt: start,
          monitoringAt: start + 20 * MINUTE,
          resolvedAt: start + 30 * MINUTE,
          scheduledFor: null,
          scheduledUntil: null,
          example: false,
          createdAt: start,
          updatedAt: start + 30 * MINUTE,
        });
        expect([...incident!.componentIds].sort()).toEqual([api, db, cdn].sort());
        expect(incident!.updates.map((u) => [u.id, u.status, u.at, u.body])).toEqual([
          [resolved, 'resolved', start + 30 * MINUTE, 'Fixed.'],
          [monitoring, 'monitoring', start + 20 * MINUTE, 'Watching.'],
          [identified, 'identified', start + 10 * MINUTE, 'Found it.'],
          [expect.any(String), 'investigating', start, 'Investigating.'],
        ]);
        const byComponent = <T extends { componentId: string }>(changes: T[]): T[] =>
          [...changes].sort((x, y) => x.componentId.localeCompare(y.componentId));
        const [u3, u2, u1, u0] = incident!.updates;
        expect(byComponent(u0!.componentChanges)).toEqual(
          byComponent([
            { componentId: api, oldStatus: 'operational', newStatus: 'partial_outage' },
            { componentId: db, oldStatus: 'operational', newStatus: 'degraded_performance' },
          ]),
        );
        expect(byComponent(u1!.componentChanges)).toEqual(
          byComponent([
            { componentId: api, oldStatus: 'partial_outage', newStatus: 'major_outage' },
            { componentId: cdn, oldStatus: 'operational', newStatus: 'degraded_performance' },
          ]),
        );
        expect(u2!.componentChanges).toEqual([]);
        expect(byComponent(u3!.componentChanges)).toEqual(
          byComponent([
            { componentId: api, oldStatus: 'major_outage', newStatus: 'operational' },
            { componentId: db, oldStatus: 'degraded_performance', newStatus: 'operational' },
            { componentId: cdn, oldStatus: 'degraded_performance', newStatus: 'operational' },
          ]),
        );
        expect(u0).toMatchObject({ incidentId: id, createdAt: start, updatedAt: start });
        for (const c of [api, db, cdn]) expect((await component(ctx, c)).status).toBe('operational');
        // incident_components has no duplicates although api and db were named twice.
        expect(await rowCount(ctx.db, incidentComponents, eq(incidentComponents.incidentId, id))).toBe(3);
      });

      it('stores the placeholder values each update was written with, and reads them back; null when none', async () => {
        const id = await declareIncident(ctx.deps, {
          title: 'Checkout unavailable',
          severity: 1,
          body: 'We are investigating failed payments.',
          placeholders: { affected_service: 'Checkout', impact: 'failed payments', blank: '  ' },
        }, FIXTURE_ACTOR);
        ctx.clock.advance(MINUTE);
        await postUpdate(ctx.deps, { incidentId: id, status: 'identified', body: 'Found it.', placeholders: { impact: 'slow payments "and" ünïcode' } }, FIXTURE_ACTOR);
        ctx.clock.advance(MINUTE);
        await postUpdate(ctx.deps, { incidentId: id, status: 'monitoring', body: 'Watching.' }, FIXTURE_ACTOR);
        const incident = await ctx.repos.incidents.findById(id);
        expect(incident!.updates.map((u) => u.placeholders)).toEqual([
          null,
          { impact: 'slow payments "and" ünïcode' },
          { affected_service: 'Checkout', impact: 'failed payments' },
        ]);
      });

      it('a resolving update restores the affected components in its own write, unless told not to', async () => {
        const api = await createComponent(ctx.deps, { name: 'API', startedAt: ctx.now - DAY }, FIXTURE_ACTOR);
        const web = await createComponent(ctx.deps, { name: 'Web', startedAt: ctx.now - DAY }, FIXTURE_ACTOR);
        const id = await declareIncident(ctx.deps, {
          title: 'Errors',
          severity: 2,
          body: 'Investigating.',
          components: [{ componentId: api, status: 'major_outage' }, { componentId: web, status: 'partial_outage' }],
        }, FIXTURE_ACTOR);
        ctx.clock.advance(10 * MINUTE);
        const resolved = await postUpdate(ctx.deps, { incidentId: id, status: 'resolved', body: 'Fixed.' }, FIXTURE_ACTOR);
        const incident = await ctx.repos.incidents.findById(id);
        const update = incident!.updates.find((u) => u.id === resolved)!;
        expect([...update.componentChanges].sort((x, y) => x.componentId.localeCompare(y.componentId))).toEqual(
          [
            { componentId: api, oldStatus: 'major_outage', newStatus: 'operational' },
            { componentId: web, oldStatus: 'partial_outage', newStatus: 'operational' },
          ].sort((x, y) => x.componentId.localeCompare(y.componentId)),
        );
        for (const c of [api, web]) expect((await component(ctx, c)).status).toBe('operational');

        const other = await declareIncident(ctx.deps, { title: 'More', severity: 3, body: 'Slow.', components: [{ componentId: web, status: 'degraded_performance' }] }, FIXTURE_ACTOR);
        ctx.clock.advance(MINUTE);
        await postUpdate(ctx.deps, { incidentId: other, status: 'resolved', body: 'Closed; Web stays slow.', restoreComponents: false }, FIXTURE_ACTOR);
        expect((await component(ctx, web)).status).toBe('degraded_performance');
      });

      it('findById is undefined for an unknown id', async () => {
        expect(await ctx.repos.incidents.findById('nosuchincident')).toBeUndefined();
      });

      it('findById orders updates by publication time (backfills slot in), then by creation time', async () => {
        const id = await declareIncident(ctx.deps, { title: 'T', severity: 3, body: 'first', startedAt: ctx.now - HOUR }, FIXTURE_ACTOR);
        ctx.clock.advance(MINUTE);
        const late = await postUpdate(ctx.deps, { incidentId: id, status: 'identified', body: 'late', at: ctx.now }, FIXTURE_ACTOR);
        ctx.clock.advance(MINUTE);
        const backfilled = await postUpdate(ctx.deps, { incidentId: id, status: 'identified', body: 'backfill', at: ctx.now - 30 * MINUTE }, FIXTURE_ACTOR);
        ctx.clock.advance(MINUTE);
        const sameTime = await postUpdate(ctx.deps, { incidentId: id, status: 'identified', body: 'same', at: ctx.now - 30 * MINUTE }, FIXTURE_ACTOR);
        const incident = await ctx.repos.incidents.findById(id);
        expect(incident!.updates.map((u) => u.body)).toEqual(['late', 'same', 'backfill', 'first']);
        expect(incident!.updates.slice(0, 3).map((u) => u.id)).toEqual([late, sameTime, backfilled]);
      });

      it('sequence counts the changes of an incident: 0 when created, one more per update() (the calendar SEQUENCE)', async () => {
        const id = await scheduleMaintenance(ctx.deps, { title: 'Upgrade', body: 'Planned.', scheduledFor: ctx.now + HOUR, scheduledUntil: ctx.now + 2 * HOUR }, FIXTURE_ACTOR);
        const other = await declareIncident(ctx.deps, { title: 'Other', severity: 3, body: 'x' }, FIXTURE_ACTOR);
        expect((await ctx.repos.incidents.findById(id))!.sequence).toBe(0);
        ctx.clock.advance(DAY);
        await ctx.db.atomic([ctx.repos.incidents.update(id, { title: 'Engine upgrade', updatedAt: ctx.clock.now() })]);
        await ctx.db.atomic([ctx.repos.incidents.update(id, { updatedAt: ctx.clock.now() })]);
        await postUpdate(ctx.deps, { incidentId: id, status: 'in_progress', body: 'Started.' }, FIXTURE_ACTOR);
        const changed = (await ctx.repos.incidents.findById(id))!;
        expect(changed.sequence).toBe(3);
        expect(changed.title).toBe('Engine upgrade');
        expect((await ctx.repos.incidents.findById(other))!.sequence).toBe(0);
      });

      it('declareIncident with an unknown component rejects and writes nothing', async () => {
        const before = await revision(ctx);
        await expect(
          declareIncident(ctx.deps, {
            title: 'T',
            severity: 2,
            body: 'b',
            components: [{ componentId: 'nosuchcomponent', status: 'major_outage' }],
          }, FIXTURE_ACTOR),
        ).rejects.toBeInstanceOf(ValidationError);
        expect(await rowCount(ctx.db, incidents)).toBe(0);
        expect(await revision(ctx)).toBe(before);
      });

      it('declareIncident can name 60 components (their history is read in one go)', async () => {
        const ids = await insertComponents(ctx, 60);
        await ctx.db.atomic(
          insertMany(ctx, componentStatusChanges, ids.map((componentId) => ({ componentId, status: 'operational' as const, at: ctx.now - DAY }))),
        );
        const id = await declareIncident(ctx.deps, {
          title: 'Everything is down',
          severity: 1,
          body: 'b',
          components: ids.map((componentId) => ({ componentId, status: 'major_outage' as const })),
        }, FIXTURE_ACTOR);
        const incident = await ctx.repos.incidents.findById(id);
        expect(incident!.componentIds).toHaveLength(60);
        expect(incident!.updates[0]!.componentChanges).toHaveLength(60);
        expect((await ctx.repos.components.findByIds(ids)).every((c) => c.status === 'major_outage')).toBe(true);
      });

      it('listOpenIncidents: unresolved incidents only, newest first, with details', async () => {
        const api = await createComponent(ctx.deps, { name: 'API', startedAt: ctx.now - 10 * DAY }, FIXTURE_ACTOR);
        const oldest = await declareIncident(ctx.deps, { title: 'Old', severity: 3, body: 'b', startedAt: ctx.now - 3 * DAY }, FIXTURE_ACTOR);
        const monitoring = await declareIncident(ctx.deps, {
          title: 'Monitoring',
          severity: 2,
          body: 'b',
          status: 'monitoring',
          startedAt: ctx.now - 2 * DAY,
          components: [{ componentId: api, status: 'degraded_performance' }],
        }, FIXTURE_ACTOR);
        const resolved = await declareIncident(ctx.deps, { title: 'Done', severity: 2, body: 'b', startedAt: ctx.now - DAY }, FIXTURE_ACTOR);
        await postUpdate(ctx.deps, { incidentId: resolved, status: 'resolved', body: 'fixed' }, FIXTURE_ACTOR);
        const newest = await declareIncident(ctx.deps, { title: 'New', severity: 1, body: 'b', startedAt: ctx.now - HOUR }, FIXTURE_ACTOR);
        await scheduleMaintenance(ctx.deps, {
          title: 'M',
          body: 'b',
          scheduledFor: ctx.now - 2 * HOUR,
          scheduledUntil: ctx.now + 2 * HOUR,
        }, FIXTURE_ACTOR);
        const open = await ctx.repos.incidents.listOpenIncidents();
        expect(open.map((i) => i.id)).toEqual([newest, monitoring, oldest]);
        expect(open[1]).toMatchObject({ status: 'monitoring', monitoringAt: ctx.now - 2 * DAY, componentIds: [api] });
        expect(open[1]!.updates[0]!.componentChanges).toEqual([
          { componentId: api, oldStatus: 'operational', newStatus: 'degraded_performance' },
        ]);
        expect(open.every((i) => i.updates.length === 1)).toBe(true);
      });

      it('scheduleMaintenance writes the maintenance, its components and its first update', async () => {
        const api = await createComponent(ctx.deps, { name: 'API' }, FIXTURE_ACTOR);
        const id = await scheduleMaintenance(ctx.deps, {
          title: 'Upgrade',
          body: 'Planned.',
          scheduledFor: ctx.now + DAY,
          scheduledUntil: ctx.now + DAY + HOUR,
          componentIds: [api],
        }, FIXTURE_ACTOR);
        expect(await ctx.repos.incidents.findById(id)).toMatchObject({
          kind: 'maintenance',
          severity: null,
          impact: 'maintenance',
          status: 'scheduled',
          startedAt: ctx.now + DAY,
          scheduledFor: ctx.now + DAY,
          scheduledUntil: ctx.now + DAY + HOUR,
          componentIds: [api],
          updates: [{ status: 'scheduled', body: 'Planned.', at: ctx.now, componentChanges: [] }],
        });
        expect((await component(ctx, api)).status).toBe('operational');
      });

      it('listPendingMaintenance: not completed and not ended, soonest first, incidents excluded', async () => {
        const now = ctx.now;
        const m = (scheduledFor: number, scheduledUntil: number) =>
          scheduleMaintenance(ctx.deps, { title: 'M', body: 'b', scheduledFor, scheduledUntil }, FIXTURE_ACTOR);
        const later = await m(now + 2 * DAY, now + 2 * DAY + HOUR);
        const soon = await m(now + HOUR, now + 2 * HOUR);
        const running = await m(now - HOUR, now + HOUR);
        await m(now - 2 * HOUR, now - HOUR); // ended
        await m(now - HOUR, now); // ends exactly now: ended
        const completed = await m(now + 3 * DAY, now + 3 * DAY + HOUR);
        await postUpdate(ctx.deps, { incidentId: completed, status: 'completed', body: 'done early' }, FIXTURE_ACTOR);
        const verifying = await m(now - 3 * HOUR, now + 3 * HOUR);
        ctx.clock.advance(MINUTE);
        await postUpdate(ctx.deps, { incidentId: verifying, status: 'verifying', body: 'checking' }, FIXTURE_ACTOR);
        await declareIncident(ctx.deps, { title: 'I', severity: 2, body: 'b' }, FIXTURE_ACTOR);
        const pending = await ctx.repos.incidents.listPendingMaintenance(now);
        expect(pending.map((p) => p.id)).toEqual([verifying, running, soon, later]);
        expect(pending[0]!.updates.map((u) => u.status)).toEqual(['verifying', 'scheduled']);
      });

      it('listStartedBetween: [from, to), newest first, incidents and maintenance', async () => {
        const from = ctx.now - 10 * DAY;
        const to = ctx.now - DAY;
        const at = (startedAt: number) => declareIncident(ctx.deps, { title: 'I', severity: 3, body: 'b', startedAt }, FIXTURE_ACTOR);
        await at(from - 1);
        const first = await at(from);
        const middle = await at(from + DAY);
        const last = await at(to - 1);
        await at(to);
        const maintenance = await scheduleMaintenance(ctx.deps, {
          title: 'M',
          body: 'b',
          scheduledFor: from + 2 * DAY,
          scheduledUntil: from + 2 * DAY + HOUR,
        }, FIXTURE_ACTOR);
        const found = await ctx.repos.incidents.listStartedBetween(from, to);
        expect(found.map((i) => i.id)).toEqual([last, maintenance, middle, first]);
        expect(await ctx.repos.incidents.listStartedBetween(to, to)).toEqual([]);
      });

      it('listStartedBetween loads details for more than 100 incidents (chunked IN lists)', async () => {
        const api = await createComponent(ctx.deps, { name: 'API', startedAt: ctx.now - 30 * DAY }, FIXTURE_ACTOR);
        const base = ctx.now - 20 * DAY;
        const n = 130;
        const twice = [0, 89, 90, 129]; // a second update on a few, spread over the chunks
        const statusOf = (i: number): ComponentStatus => (i % 4 === 0 ? 'major_outage' : 'degraded_performance');
        const rows = Array.from({ length: n }, (_, i) => incidentRow(ctx, { title: `Incident ${i}`, startedAt: base + i * HOUR }));
        const ids = rows.map((row) => row.id!);
        const firstUpdates = rows.map((row, i) => ({
          id: newId(),
          incidentId: row.id!,
          status: 'investigating' as const,
          body: `first ${i}`,
          at: row.startedAt,
          createdAt: ctx.now,
          updatedAt: ctx.now,
        }));
        const secondUpdates = twice.map((i) => ({
          ...firstUpdates[i]!,
          id: newId(),
          status: 'identified' as const,
          body: `second ${i}`,
          at: rows[i]!.startedAt + MINUTE,
        }));
        const even = ids.map((_, i) => i).filter((i) => i % 2 === 0);
        await ctx.db.atomic([
          ...insertMany(ctx, incidents, rows),
          ...insertMany(ctx, incidentUpdates, [...firstUpdates, ...secondUpdates]),
          ...insertMany(ctx, incidentComponents, even.map((i) => ({ incidentId: ids[i]!, componentId: api }))),
          ...insertMany(
            ctx,
            incidentUpdateComponents,
            even.map((i) => ({ updateId: firstUpdates[i]!.id, componentId: api, oldStatus: 'operational' as const, newStatus: statusOf(i) })),
          ),
        ]);
        const found = await ctx.repos.incidents.listStartedBetween(base, base + n * HOUR);
        expect(found.map((i) => i.id)).toEqual([...ids].reverse());
        found.forEach((incident) => {
          const i = ids.indexOf(incident.id);
          const expected = twice.includes(i) ? [`second ${i}`, `first ${i}`] : [`first ${i}`];
          expect(incident.updates.map((u) => u.body)).toEqual(expected);
          expect(incident.updates.every((u) => u.incidentId === incident.id)).toBe(true);
          expect(incident.componentIds).toEqual(i % 2 === 0 ? [api] : []);
          const first = incident.updates[incident.updates.length - 1]!;
          expect(first.componentChanges).toEqual(
            i % 2 === 0 ? [{ componentId: api, oldStatus: 'operational', newStatus: statusOf(i) }] : [],
          );
        });
      });

      it('anyStartedBefore is strict and counts maintenance too', async () => {
        expect(await ctx.repos.incidents.anyStartedBefore(ctx.now + DAY)).toBe(false);
        const t = ctx.now - DAY;
        await declareIncident(ctx.deps, { title: 'I', severity: 2, body: 'b', startedAt: t }, FIXTURE_ACTOR);
        expect(await ctx.repos.incidents.anyStartedBefore(t)).toBe(false);
        expect(await ctx.repos.incidents.anyStartedBefore(t + 1)).toBe(true);
        await scheduleMaintenance(ctx.deps, { title: 'M', body: 'b', scheduledFor: t - DAY, scheduledUntil: t }, FIXTURE_ACTOR);
        expect(await ctx.repos.incidents.anyStartedBefore(t)).toBe(true);
        expect(await ctx.repos.incidents.anyStartedBefore(t - DAY)).toBe(false);
      });

      it('update() patches only the given columns (and counts the change in sequence)', async () => {
        const id = await declareIncident(ctx.deps, { title: 'Before', severity: 2, body: 'b' }, FIXTURE_ACTOR);
        const before = (await ctx.repos.incidents.findById(id))!;
        await ctx.db.atomic([ctx.repos.incidents.update(id, { title: 'After', severity: 1, updatedAt: ctx.now + 1 })]);
        const after = await ctx.repos.incidents.findById(id);
        expect(after).toEqual({ ...before, title: 'After', severity: 1, updatedAt: ctx.now + 1, sequence: before.sequence + 1 });
      });
    });

    // ------------------------------------------------------------ backfill
    describe('backfill', () => {
      it('declareIncident in the past, before a later change, records history without moving the current status', async () => {
        const t = ctx.now;
        const api = await createComponent(ctx.deps, { name: 'API', startedAt: t - 10 * DAY }, FIXTURE_ACTOR);
        // The current state: degraded since an hour ago.
        await declareIncident(ctx.deps, {
          title: 'Now',
          severity: 3,
          body: 'b',
          startedAt: t - HOUR,
          components: [{ componentId: api, status: 'degraded_performance' }],
        }, FIXTURE_ACTOR);
        const current = await component(ctx, api);
        expect(current).toMatchObject({ status: 'degraded_performance', updatedAt: t - HOUR });

        ctx.clock.advance(MINUTE);
        const past = await declareIncident(ctx.deps, {
          title: 'Last week',
          severity: 1,
          body: 'b',
          startedAt: t - 5 * DAY,
          at: t - 5 * DAY + 10 * MINUTE,
          components: [{ componentId: api, status: 'major_outage' }],
        }, FIXTURE_ACTOR);
        await postUpdate(ctx.deps, {
          incidentId: past,
          status: 'resolved',
          body: 'fixed back then',
          at: t - 5 * DAY + HOUR,
          components: [{ componentId: api, status: 'operational' }],
        }, FIXTURE_ACTOR);

        expect(await component(ctx, api)).toEqual(current);
        expect((await ctx.repos.components.historySince([api], 0)).get(api)).toEqual([
          { status: 'operational', at: t - 10 * DAY },
          { status: 'major_outage', at: t - 5 * DAY + 10 * MINUTE },
          { status: 'operational', at: t - 5 * DAY + HOUR },
          { status: 'degraded_performance', at: t - HOUR },
        ]);
        const incident = await ctx.repos.incidents.findById(past);
        expect(incident).toMatchObject({ status: 'resolved', startedAt: t - 5 * DAY, resolvedAt: t - 5 * DAY + HOUR });
        expect(incident!.updates.map((u) => [u.at, u.componentChanges])).toEqual([
          [t - 5 * DAY + HOUR, [{ componentId: api, oldStatus: 'major_outage', newStatus: 'operational' }]],
          [t - 5 * DAY + 10 * MINUTE, [{ componentId: api, oldStatus: 'operational', newStatus: 'major_outage' }]],
        ]);
        // The backfilled changes point at their incident.
        const linked = await rowCount(ctx.db, componentStatusChanges, eq(componentStatusChanges.incidentId, past));
        expect(linked).toBe(2);
      });
    });

    // ------------------------------------------------------------ example content
    describe('example content', () => {
      it('initializePage with demo seeds the example page, flagged and complete', async () => {
        const deps = depsOver(ctx.db, ctx.clock, testConfig({ demo: true }));
        expect(await initializePage(deps)).toEqual({ created: true });
        expect(await ctx.repos.settings.getMeta(EXAMPLE_META_KEY)).toBe('present');
        const groups = await ctx.repos.components.listGroups();
        expect(groups.map((g) => g.name)).toEqual(['Platform', 'Infrastructure']);
        const list = await ctx.repos.components.list();
        expect(list).toHaveLength(6);
        expect(list.every((c) => c.example && c.status === 'operational')).toBe(true);
        expect(await ctx.repos.incidents.listOpenIncidents()).toEqual([]);
        const recent = await ctx.repos.incidents.listStartedBetween(ctx.now - 7 * DAY, ctx.now + 7 * DAY);
        expect(recent.map((i) => [i.kind, i.status, i.updates.length])).toEqual([
          ['maintenance', 'scheduled', 1],
          ['incident', 'resolved', 4],
        ]);
        expect((await ctx.repos.incidents.listPendingMaintenance(ctx.now)).map((m) => m.title)).toEqual([
          'Database engine upgrade',
        ]);
      });

      it('removeExampleContent (deleteExamples) takes exactly the example rows away', async () => {
        await initializePage(ctx.deps);
        const realGroup = await createGroup(ctx.deps, { name: 'Real' }, FIXTURE_ACTOR);
        const realComponent = await createComponent(ctx.deps, { name: 'Real API', groupId: realGroup, startedAt: ctx.now - DAY }, FIXTURE_ACTOR);
        await seedExampleContent(ctx.deps, systemActor('example page'));
        const exampleGroup = (await ctx.repos.components.listGroups()).find((g) => g.example)!.id;
        const exampleComponent = (await ctx.repos.components.list()).find((c) => c.example)!.id;
        // Real rows that touch example ones.
        const inExampleGroup = await createComponent(ctx.deps, { name: 'Real in example group', groupId: exampleGroup }, FIXTURE_ACTOR);
        const realIncident = await declareIncident(ctx.deps, {
          title: 'Real',
          severity: 2,
          body: 'b',
          components: [
            { componentId: realComponent, status: 'partial_outage' },
            { componentId: exampleComponent, status: 'major_outage' },
          ],
        }, FIXTURE_ACTOR);
        // An example incident that changed a real component.
        const exampleIncident = await declareIncident(ctx.deps, {
          title: 'Example',
          severity: 3,
          body: 'b',
          startedAt: ctx.now - 2 * HOUR,
          components: [{ componentId: realComponent, status: 'degraded_performance' }],
          example: true,
        }, FIXTURE_ACTOR);
        const settingsBefore = await ctx.repos.settings.get();
        const revisionBefore = await revision(ctx);

        await removeExampleContent(ctx.deps, FIXTURE_ACTOR);

        expect(await revision(ctx)).toBeGreaterThan(revisionBefore);
        expect(await ctx.repos.settings.get()).toEqual(settingsBefore);
        expect(await ctx.repos.settings.getMeta(EXAMPLE_META_KEY)).toBe('removed');
        expect((await ctx.repos.components.listGroups()).map((g) => g.id)).toEqual([realGroup]);
        const left = await ctx.repos.components.list();
        expect(left.map((c) => c.id).sort()).toEqual([realComponent, inExampleGroup].sort());
        expect(left.find((c) => c.id === inExampleGroup)!.groupId).toBeNull();
        expect(await ctx.repos.incidents.findById(exampleIncident)).toBeUndefined();
        const real = await ctx.repos.incidents.findById(realIncident);
        expect(real!.componentIds).toEqual([realComponent]);
        expect(real!.updates[0]!.componentChanges).toEqual([
          { componentId: realComponent, oldStatus: 'operational', newStatus: 'partial_outage' },
        ]);
        // No orphans anywhere; the real component's history survives, the example incident's link is cleared.
        expect(await rowCount(ctx.db, incidents, eq(incidents.example, true))).toBe(0);
        expect(await rowCount(ctx.db, incidentUpdates)).toBe(1);
        expect(await rowCount(ctx.db, incidentUpdateComponents)).toBe(1);
        expect(await rowCount(ctx.db, incidentComponents)).toBe(1);
        const history = await ctx.db.orm
          .select()
          .from(componentStatusChanges)
          .orderBy(componentStatusChanges.at, componentStatusChanges.id)
          .all();
        expect(history.map(({ componentId, status, incidentId }) => ({ componentId, status, incidentId }))).toEqual([
          { componentId: realComponent, status: 'operational', incidentId: null },
          { componentId: realComponent, status: 'degraded_performance', incidentId: null },
          { componentId: inExampleGroup, status: 'operational', incidentId: null },
          { componentId: realComponent, status: 'partial_outage', incidentId: realIncident },
        ]);
      });

      it('deleteExamples with no example rows deletes nothing', async () => {
        const id = await createComponent(ctx.deps, { name: 'API' }, FIXTURE_ACTOR);
        const before = await revision(ctx);
        await ctx.db.atomic([ctx.repos.incidents.deleteExamples(), ...ctx.repos.components.deleteExamples()]);
        expect(await revision(ctx)).toBe(before);
        expect((await ctx.repos.components.list()).map((c) => c.id)).toEqual([id]);
      });
    });

    // ------------------------------------------------------------ subscribers and the outbox
    describe('subscribers and the mail outbox', () => {
      async function subscriberTableCounts(): Promise<Record<'subscribers' | 'mail_outbox' | 'audit_log', number>> {
        return {
          subscribers: await rowCount(ctx.db, subscribers),
          mail_outbox: await rowCount(ctx.db, mailOutbox),
          audit_log: await rowCount(ctx.db, auditLog),
        };
      }

      async function subscriber(email: string, status: 'pending' | 'confirmed' = 'confirmed', scope = { all: true, componentIds: [] as string[], groupIds: [] as string[] }): Promise<string> {
        const id = newId();
        await ctx.db.atomic(
          ctx.repos.subscribers.insert(
            { id, email, status, secret: 'secret-' + id, source: 'import', createdAt: ctx.now, updatedAt: ctx.now, confirmedAt: ctx.now },
            scope,
          ),
        );
        return id;
      }

      it('insertFanout writes the fan-out row only while someone is confirmed', async () => {
        const incidentId = await declareIncident(ctx.deps, { title: 'Quiet', severity: 3, body: 'b', notify: false }, FIXTURE_ACTOR);
        const updateId = (await ctx.repos.incidents.findById(incidentId))!.updates[0]!.id;
        await subscriber('pending@example.com', 'pending');
        await ctx.db.atomic([ctx.repos.outbox.insertFanout(updateId, ctx.now)]);
        expect(await ctx.repos.outbox.nextFanout()).toBeUndefined();
        await subscriber('all@example.com');
        await ctx.db.atomic([ctx.repos.outbox.insertFanout(updateId, ctx.now)]);
        expect(await ctx.repos.outbox.nextFanout()).toMatchObject({ updateId, incidentId, cursor: '', createdAt: ctx.now });
      });

      it('fans an update out in its own write, follows choices, and drains by claimed batches', async () => {
        await initializePage(ctx.deps);
        const core = await createGroup(ctx.deps, { name: 'Core' }, FIXTURE_ACTOR);
        const api = await createComponent(ctx.deps, { name: 'API', groupId: core }, FIXTURE_ACTOR);
        const cdn = await createComponent(ctx.deps, { name: 'CDN' }, FIXTURE_ACTOR);
        const everyone = await subscriber('all@example.com');
        const viaGroup = await subscriber('core@example.com', 'confirmed', { all: false, componentIds: [], groupIds: [core] });
        await subscriber('cdn@example.com', 'confirmed', { all: false, componentIds: [cdn], groupIds: [] });
        await subscriber('pending@example.com', 'pending');
        const revision = await ctx.repos.settings.revision();

        const incidentId = await declareIncident(ctx.deps, {
          title: 'API down',
          severity: 1,
          body: 'Looking.',
          components: [{ componentId: api, status: 'major_outage' }],
        }, FIXTURE_ACTOR);
        const incident = (await ctx.repos.incidents.findById(incidentId))!;
        const updateId = incident.updates[0]!.id;
        expect((await ctx.repos.incidents.findByUpdateId(updateId))?.id).toBe(incidentId);
        // The publishing write queued the fan-out; the drainer writes it out in chunks.
        expect((await ctx.repos.outbox.countsForUpdates([updateId])).get(updateId)).toMatchObject({ preparing: true, queued: 0 });
        const fanout = (await ctx.repos.outbox.nextFanout())!;
        expect(fanout).toMatchObject({ updateId, incidentId, cursor: '' });
        await ctx.db.atomic(ctx.repos.outbox.expandFanout(fanout, await ctx.repos.outbox.fanoutChunkEnd(fanout.cursor, 1_000)));
        expect(await ctx.repos.outbox.nextFanout()).toBeUndefined();
        const counts = await ctx.repos.outbox.countsForUpdates([updateId]);
        expect(counts.get(updateId)).toMatchObject({ preparing: false, queued: 2, sent: 0 });
        // The incident bumped the revision; the outbox rows themselves are not public content.
        expect(Number(await ctx.repos.settings.revision())).toBeGreaterThan(Number(revision));

        // Claim: both rows in one batch, held by one lease; a second claim finds nothing.
        await ctx.db.atomic([ctx.repos.outbox.claimQueued('batch-one', 'lease-a', ctx.now, ctx.now + MINUTE, 100)]);
        const rows = await ctx.repos.outbox.batchRows('batch-one', 'lease-a');
        expect(rows.map((r) => r.subscriberId).sort()).toEqual([everyone, viaGroup].sort());
        expect(rows.every((r) => r.attempts === 1)).toBe(true);
        expect(await ctx.repos.outbox.batchRows('batch-one', 'other-lease')).toEqual([]);
        await ctx.db.atomic([ctx.repos.outbox.claimQueued('batch-two', 'lease-b', ctx.now, ctx.now + MINUTE, 100)]);
        expect(await ctx.repos.outbox.batchRows('batch-two', 'lease-b')).toEqual([]);

        // Not due before its lease ends; then another drainer takes it over, and only once.
        expect(await ctx.repos.outbox.findDueBatch(ctx.now)).toBeUndefined();
        const later = ctx.now + MINUTE;
        expect(await ctx.repos.outbox.findDueBatch(later)).toBe('batch-one');
        await ctx.db.atomic([ctx.repos.outbox.takeBatch('batch-one', 'lease-c', later, later + MINUTE)]);
        await ctx.db.atomic([ctx.repos.outbox.takeBatch('batch-one', 'lease-d', later, later + MINUTE)]);
        expect(await ctx.repos.outbox.batchRows('batch-one', 'lease-d')).toEqual([]);
        const taken = await ctx.repos.outbox.batchRows('batch-one', 'lease-c');
        expect(taken.map((r) => r.attempts)).toEqual([2, 2]);

        await ctx.db.atomic(ctx.repos.outbox.recordBatch([{ id: taken[0]!.id, providerId: 'msg-1' }, { id: taken[1]!.id, error: 'refused' }], later));
        expect(await ctx.repos.outbox.counts()).toEqual({ queued: 0, sending: 0, sent: 1, failed: 1, skipped: 0, preparing: false });
        expect(await ctx.repos.outbox.oldestWaiting()).toBeNull();
      });

      it('expands a fan-out chunk by chunk, once even when two drainers race, and prunes finished emails into totals', async () => {
        await initializePage(ctx.deps);
        const api = await createComponent(ctx.deps, { name: 'API' }, FIXTURE_ACTOR);
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) ids.push(await subscriber(`s${i}@example.com`));
        const incidentId = await declareIncident(ctx.deps, {
          title: 'API down',
          severity: 1,
          body: 'Looking.',
          components: [{ componentId: api, status: 'major_outage' }],
        }, FIXTURE_ACTOR);
        const updateId = (await ctx.repos.incidents.findById(incidentId))!.updates[0]!.id;
        const outbox = ctx.repos.outbox;

        // Chunks of two: 2, 2, then the last one (end null). Each chunk is written twice, as by two racing drainers.
        const ends: (string | null)[] = [];
        for (let fanout = await outbox.nextFanout(); fanout; fanout = await outbox.nextFanout()) {
          const end = await outbox.fanoutChunkEnd(fanout.cursor, 2);
          ends.push(end);
          await ctx.db.atomic(outbox.expandFanout(fanout, end));
          await ctx.db.atomic(outbox.expandFanout(fanout, end));
        }
        expect(ends).toEqual([[...ids].sort()[1], [...ids].sort()[3], null]);
        const queued = await ctx.db.orm.select().from(mailOutbox).all();
        expect(queued.map((r) => r.subscriberId).sort()).toEqual([...ids].sort());
        expect(await outbox.countsForUpdates([updateId])).toEqual(new Map([[updateId, { queued: 5, sending: 0, sent: 0, failed: 0, skipped: 0, preparing: false }]]));

        // Four sent at the same moment (ties on due_at), one failed; pruned two at a time by (due_at, id).
        await ctx.db.atomic([
          ...queued.slice(0, 4).flatMap((r) => outbox.recordBatch([{ id: r.id, providerId: `m${r.id}` }], ctx.now)),
          ...outbox.recordBatch([{ id: queued[4]!.id, error: 'refused' }], ctx.now),
        ]);
        const before = ctx.now + 1;
        expect(await outbox.pruneEnd('sent', ctx.now, 2)).toBeNull();
        const firstEnd = (await outbox.pruneEnd('sent', before, 2))!;
        expect(firstEnd).toEqual({ dueAt: queued[1]!.dueAt, id: queued[1]!.id });
        await ctx.db.atomic(outbox.prune('sent', firstEnd));
        await ctx.db.atomic(outbox.prune('sent', firstEnd));
        expect(await rowCount(ctx.db, mailOutbox)).toBe(3);
        for (let end = await outbox.pruneEnd('sent', before, 2); end; end = await outbox.pruneEnd('sent', before, 2)) {
          await ctx.db.atomic(outbox.prune('sent', end));
        }
        await ctx.db.atomic(outbox.prune('failed', (await outbox.pruneEnd('failed', before, 2))!));
        expect(await rowCount(ctx.db, mailOutbox)).toBe(0);
        expect(await outbox.countsForUpdates([updateId])).toEqual(new Map([[updateId, { queued: 0, sending: 0, sent: 4, failed: 1, skipped: 0, preparing: false }]]));
      });

      it('records a whole batch in two statements: provider ids for the sent, reasons for the failed', async () => {
        await initializePage(ctx.deps);
        const ids = [await subscriber('a@example.com'), await subscriber('b@example.com'), await subscriber('c@example.com')];
        await ctx.db.atomic([ctx.repos.outbox.enqueueMany('confirm', ids, ctx.now)]);
        const rows = await ctx.db.orm.select().from(mailOutbox).all();
        const statements = ctx.repos.outbox.recordBatch(
          [
            { id: rows[0]!.id, providerId: 'msg-a' },
            { id: rows[1]!.id, error: '550 "no such user" \\ <b>' },
            { id: rows[2]!.id, providerId: 'msg-c' },
          ],
          ctx.now + 5,
        );
        expect(statements).toHaveLength(2);
        await ctx.db.atomic(statements);
        const after = await ctx.db.orm.select().from(mailOutbox).all();
        expect(after.map((r) => [r.subscriberId, r.status, r.providerId, r.error, r.sentAt])).toEqual([
          [ids[0], 'sent', 'msg-a', null, ctx.now + 5],
          [ids[1], 'failed', null, '550 "no such user" \\ <b>', ctx.now + 5],
          [ids[2], 'sent', 'msg-c', null, ctx.now + 5],
        ]);
        expect(ctx.repos.outbox.recordBatch([], ctx.now)).toEqual([]);
      });

      it('lists, searches literally, counts and removes subscribers with their queued emails', async () => {
        await initializePage(ctx.deps);
        const ada = await subscriber('ada_lovelace@example.com');
        await subscriber('adaxlovelace@example.com');
        await subscriber('grace@example.com', 'pending');
        await ctx.db.atomic([ctx.repos.outbox.enqueue('confirm', ada, ctx.now)]);
        expect((await ctx.repos.subscribers.list({ search: 'ada_', limit: 10 })).map((s) => s.email)).toEqual(['ada_lovelace@example.com']);
        expect((await ctx.repos.subscribers.list({ limit: 10, after: 'adaxlovelace@example.com' })).map((s) => s.email)).toEqual(['grace@example.com']);
        expect(await ctx.repos.subscribers.countByStatus()).toEqual({ pending: 1, confirmed: 2, unsubscribed: 0, suppressed: 0 });
        await ctx.db.atomic([ctx.repos.outbox.skipQueuedFor(ada, 'unsubscribed')]);
        expect((await ctx.repos.outbox.counts()).skipped).toBe(1);
        await ctx.db.atomic([ctx.repos.subscribers.delete(ada)]);
        expect(await ctx.repos.subscribers.findById(ada)).toBeUndefined();
        expect((await ctx.repos.outbox.counts()).skipped).toBe(0);
      });

      it('scopesOf loads the choices of more than 100 subscribers (D1 binds at most 100 parameters)', async () => {
        await initializePage(ctx.deps);
        const group = await createGroup(ctx.deps, { name: 'Core' }, FIXTURE_ACTOR);
        const [first, second] = await insertComponents(ctx, 2);
        const rows = Array.from({ length: 230 }, (_, i) => ({
          id: `sub${String(i).padStart(4, '0')}${newId(6)}`,
          email: `s${i}@example.com`,
          status: 'confirmed' as const,
          secret: `secret-${i}`,
          allComponents: i % 3 === 0,
          source: 'import',
          createdAt: ctx.now,
          updatedAt: ctx.now,
        }));
        const chosen = rows.filter((r) => !r.allComponents);
        await ctx.db.atomic([
          ...insertMany(ctx, subscribers, rows),
          // Every chooser picks the first component; every other one the second too, and the group.
          ...insertMany(ctx, subscriberComponents, [
            ...chosen.map((r) => ({ subscriberId: r.id, componentId: first! })),
            ...chosen.filter((_, i) => i % 2 === 0).map((r) => ({ subscriberId: r.id, componentId: second! })),
          ]),
          ...insertMany(ctx, subscriberGroups, chosen.filter((_, i) => i % 2 === 0).map((r) => ({ subscriberId: r.id, groupId: group }))),
        ]);
        expect(await ctx.repos.subscribers.scopesOf([])).toEqual(new Map());
        const scopes = await ctx.repos.subscribers.scopesOf([...rows.map((r) => r.id), 'nosuchsubscriber']);
        expect(scopes.size).toBe(231);
        expect(scopes.get('nosuchsubscriber')).toEqual({ componentIds: [], groupIds: [] });
        expect(scopes.get(rows[0]!.id)).toEqual({ componentIds: [], groupIds: [] });
        chosen.forEach((r, i) => {
          const both = i % 2 === 0;
          expect(scopes.get(r.id), r.email).toEqual({
            componentIds: both ? [first!, second!].sort() : [first!],
            groupIds: both ? [group] : [],
          });
        });
        // One at a time agrees with the bulk read.
        const last = chosen.at(-1)!;
        const single = await ctx.repos.subscribers.scopeOf(last.id);
        expect({ componentIds: single.componentIds.sort(), groupIds: single.groupIds }).toEqual(scopes.get(last.id));
      });
      it('jsonChunks slices a list by rows and by UTF-8 bytes of JSON, and gives nothing for nothing', () => {
        expect(jsonChunks([])).toEqual([]);
        expect(jsonChunks(['a', 'b', 'c'], 2)).toEqual(['["a","b"]', '["c"]']);
        // '"é"' is 4 bytes, its comma one more: two fit in 2 + 5 + 5 bytes, not three.
        expect(jsonChunks(['é', 'é', 'é'], 10, 12)).toEqual(['["é","é"]', '["é"]']);
        // An item alone over the budget still goes (alone).
        expect(jsonChunks(['x'.repeat(50), 'y'], 10, 20)).toEqual([`["${'x'.repeat(50)}"]`, '["y"]']);
        const many = Array.from({ length: 12_345 }, (_, i) => `a${i}@example.com`);
        const chunks = jsonChunks(many);
        expect(chunks.length).toBe(Math.ceil(many.length / JSON_ROWS_PER_STATEMENT));
        expect(chunks.flatMap((chunk) => JSON.parse(chunk) as string[])).toEqual(many);
      });

      it('insertMany writes the rows insert writes, and existingEmails finds known addresses in any status', async () => {
        const single = newId();
        await ctx.db.atomic(
          ctx.repos.subscribers.insert(
            { id: single, email: 'one@example.com', status: 'pending', secret: 's-one', source: 'import', createdAt: ctx.now, updatedAt: ctx.now, confirmedAt: null, lastNoticeAt: ctx.now },
            { all: true, componentIds: [], groupIds: [] },
          ),
        );
        const pending = [
          { id: newId(), email: 'two@example.com', secret: 's-two' },
          { id: newId(), email: "o'brien+\"quoted\"@example.com", secret: 's-three' },
        ];
        const confirmed = [{ id: newId(), email: 'four@example.com', secret: 's-four' }];
        expect(ctx.repos.subscribers.insertMany([], { status: 'pending', source: 'import', createdAt: 1, updatedAt: 1, confirmedAt: null, lastNoticeAt: 1 })).toEqual([]);
        await ctx.db.atomic([
          ...ctx.repos.subscribers.insertMany(pending, { status: 'pending', source: 'import', createdAt: ctx.now, updatedAt: ctx.now, confirmedAt: null, lastNoticeAt: ctx.now }),
          ...ctx.repos.subscribers.insertMany(confirmed, { status: 'confirmed', source: 'import', createdAt: ctx.now, updatedAt: ctx.now + 1, confirmedAt: ctx.now + 2, lastNoticeAt: null }),
        ]);
        const reference = await ctx.repos.subscribers.findById(single);
        const sameAsInsert = ({ id: _id, email: _email, secret: _secret, ...rest }: NonNullable<typeof reference>) => rest;
        for (const row of pending) {
          const stored = await ctx.repos.subscribers.findById(row.id);
          expect(stored).toMatchObject(row);
          expect(sameAsInsert(stored!)).toEqual(sameAsInsert(reference!));
        }
        expect(await ctx.repos.subscribers.findById(confirmed[0]!.id)).toEqual({
          ...confirmed[0],
          status: 'confirmed',
          allComponents: true,
          source: 'import',
          reason: null,
          createdAt: ctx.now,
          updatedAt: ctx.now + 1,
          confirmedAt: ctx.now + 2,
          lastNoticeAt: null,
          componentUpdates: false,
        });
        expect(await ctx.repos.subscribers.scopeOf(confirmed[0]!.id)).toEqual({ all: true, componentIds: [], groupIds: [] });

        await ctx.db.atomic([ctx.repos.subscribers.update(single, { status: 'unsubscribed' })]);
        expect(await ctx.repos.subscribers.existingEmails([])).toEqual(new Set());
        expect(
          await ctx.repos.subscribers.existingEmails(['ONE@example.com', 'two@example.com', 'two@example.com', 'nobody@example.com', "O'Brien+\"quoted\"@example.com"]),
        ).toEqual(new Set(['one@example.com', 'two@example.com', "o'brien+\"quoted\"@example.com"]));
        // An address already there fails the whole write (the unique email), leaving no trace.
        const before = await rowCount(ctx.db, subscribers);
        await expect(
          ctx.db.atomic(
            ctx.repos.subscribers.insertMany([{ id: newId(), email: 'five@example.com', secret: 'x' }, { id: newId(), email: 'two@example.com', secret: 'y' }], {
              status: 'pending',
              source: 'import',
              createdAt: ctx.now,
              updatedAt: ctx.now,
              confirmedAt: null,
              lastNoticeAt: ctx.now,
            }),
          ),
        ).rejects.toThrow();
        expect(await rowCount(ctx.db, subscribers)).toBe(before);
      });

      it('imports 12,000 addresses, a few already known, in a handful of statements: one lookup and one insert per few thousand', async () => {
        await initializePage(ctx.deps);
        const known = { pending: 'known-pending@example.com', confirmed: 'known-confirmed@example.com', unsubscribed: 'known-left@example.com', suppressed: 'known-bounced@example.com' };
        const knownIds = new Map<string, string>();
        for (const [status, email] of Object.entries(known)) {
          const id = await subscriber(email, status === 'confirmed' ? 'confirmed' : 'pending');
          if (status === 'unsubscribed' || status === 'suppressed') await ctx.db.atomic([ctx.repos.subscribers.update(id, { status: status as 'unsubscribed' | 'suppressed' })]);
          knownIds.set(email, id);
        }
        const knownBefore = await Promise.all([...knownIds.values()].map((id) => ctx.repos.subscribers.findById(id)));
        const fresh = Array.from({ length: 12_000 - 4 }, (_, i) => `person${i}@example.com`);
        // Known ones (one in upper case) among the new, a repeat and an invalid line.
        const csv = ['Email', ...fresh.slice(0, 6000), known.pending.toUpperCase(), known.confirmed, known.unsubscribed, known.suppressed, ...fresh.slice(6000), 'person1@example.com', 'not an address'].join('\r\n');

        // Count the database work: statements written, and queries through the repo (never one per address).
        const batches: number[] = [];
        let lookups = 0;
        const counting: Database = { orm: ctx.db.orm, close() {}, claim: (statement) => ctx.db.claim(statement), atomic: (statements) => (batches.push(statements.length), ctx.db.atomic(statements)) };
        const deps = depsOver(counting, ctx.clock);
        const existingEmails = deps.repos.subscribers.existingEmails;
        deps.repos.subscribers.existingEmails = (emails) => (lookups++, existingEmails(emails));
        deps.repos.subscribers.findByEmail = () => Promise.reject(new Error('one query per address'));
        const actor = { kind: 'user' as const, id: 'owner', label: 'Owner <owner@example.com>', role: 'owner' as const };
        const before = await subscriberTableCounts();

        const report = await importSubscribers(deps, actor, csv, { consented: false });
        expect(report).toEqual({ added: 11_996, existing: 4, duplicates: 1, invalid: [{ line: 12_003, value: 'not an address', reason: 'not an email address' }], invalidCount: 1 });
        const chunks = Math.ceil(11_996 / JSON_ROWS_PER_STATEMENT);
        expect(chunks).toBeGreaterThan(1);
        expect(lookups).toBe(1);
        // The rows, their confirmations and the audit entry: one atomic write.
        expect(batches).toEqual([chunks + chunks + 1]);

        const after = await subscriberTableCounts();
        expect(after.subscribers).toBe(before.subscribers + 11_996);
        expect(after.mail_outbox).toBe(before.mail_outbox + 11_996);
        expect(after.audit_log).toBe(before.audit_log + 1);
        expect(await ctx.repos.subscribers.countByStatus()).toEqual({ pending: 11_997, confirmed: 1, unsubscribed: 1, suppressed: 1 });
        // Known addresses are untouched, and got no email.
        expect(await Promise.all([...knownIds.values()].map((id) => ctx.repos.subscribers.findById(id)))).toEqual(knownBefore);
        for (const id of knownIds.values()) expect(await rowCount(ctx.db, mailOutbox, eq(mailOutbox.subscriberId, id))).toBe(0);
        // Every new address: pending, from the import, to every component, noticed now, with exactly one queued confirmation.
        const imported = and(eq(subscribers.source, 'import'), eq(subscribers.createdAt, ctx.now), sql`${subscribers.id} NOT IN (${sql.join([...knownIds.values()].map((id) => sql`${id}`), sql`, `)})`);
        expect(await rowCount(ctx.db, subscribers, imported)).toBe(11_996);
        expect(
          await rowCount(
            ctx.db,
            subscribers,
            and(imported, eq(subscribers.status, 'pending'), eq(subscribers.allComponents, true), eq(subscribers.lastNoticeAt, ctx.now), sql`${subscribers.confirmedAt} IS NULL`, sql`length(${subscribers.secret}) >= 32`),
          ),
        ).toBe(11_996);
        const perSubscriber = await ctx.db.orm.all<{ n: number; kind: string; status: string; due: number }>(
          sql`SELECT count(*) AS n, min(kind) AS kind, min(status) AS status, min(due_at) AS due FROM mail_outbox GROUP BY subscriber_id`,
        );
        expect(perSubscriber.length).toBe(11_996);
        expect(perSubscriber.every((r) => r.n === 1 && r.kind === 'confirm' && r.status === 'queued' && r.due === ctx.now)).toBe(true);
        expect((await ctx.repos.subscribers.findByEmail('person11995@example.com'))?.status).toBe('pending');
        const secrets = await ctx.db.orm.all<{ n: number }>(sql`SELECT count(DISTINCT secret) AS n FROM subscribers`);
        expect(secrets[0]!.n).toBe(12_000);

        // Importing the same file again, consented: nothing new, nothing resubscribed, one lookup per few thousand.
        batches.length = 0;
        lookups = 0;
        const again = await importSubscribers(deps, actor, csv, { consented: true });
        expect(again).toMatchObject({ added: 0, existing: 12_000, duplicates: 1, invalidCount: 1 });
        expect(lookups).toBe(1);
        expect(batches).toEqual([1]);
        expect(await ctx.repos.subscribers.countByStatus()).toEqual({ pending: 11_997, confirmed: 1, unsubscribed: 1, suppressed: 1 });
        expect(await subscriberTableCounts()).toEqual({ ...after, audit_log: after.audit_log + 1 });
      });

      it('imports consented addresses as confirmed, with no email, over several statements', async () => {
        await initializePage(ctx.deps);
        const emails = Array.from({ length: JSON_ROWS_PER_STATEMENT + 10 }, (_, i) => `c${i}@example.org`);
        const actor = { kind: 'token' as const, id: 'tok', label: 'token: import', role: 'admin' as const };
        const report = await importSubscribers(ctx.deps, actor, emails.join('\n'), { consented: true });
        expect(report).toMatchObject({ added: emails.length, existing: 0, duplicates: 0, invalidCount: 0 });
        expect(await ctx.repos.subscribers.countByStatus()).toEqual({ pending: 0, confirmed: emails.length, unsubscribed: 0, suppressed: 0 });
        expect(await rowCount(ctx.db, subscribers, and(eq(subscribers.confirmedAt, ctx.now), sql`${subscribers.lastNoticeAt} IS NULL`))).toBe(emails.length);
        expect(await rowCount(ctx.db, mailOutbox)).toBe(0);
      });

      it('an import is all or nothing when its write fails at the end', async () => {
        await initializePage(ctx.deps);
        const snapshot = { ...(await tableCounts(ctx)), ...(await subscriberTableCounts()) };
        const failing: Database = {
          orm: ctx.db.orm,
          close() {},
          claim: (statement) => ctx.db.claim(statement),
          atomic: (statements) => ctx.db.atomic([...statements, ctx.repos.settings.insert(settingsRow(ctx))]),
        };
        const emails = Array.from({ length: JSON_ROWS_PER_STATEMENT + 10 }, (_, i) => `f${i}@example.net`);
        const actor = { kind: 'user' as const, id: 'owner', label: 'Owner', role: 'owner' as const };
        await expect(importSubscribers(depsOver(failing, ctx.clock), actor, emails.join('\n'), { consented: false })).rejects.toThrow();
        expect({ ...(await tableCounts(ctx)), ...(await subscriberTableCounts()) }).toEqual(snapshot);
      });
    });

    // ------------------------------------------------------------ claims
    describe('claims (sign-in throttling and one-time links)', () => {
      const limits = [
        { key: 'account:a@example.com', max: 3 },
        { key: 'ip:203.0.113.1', max: 5 },
      ];

      it('reserveAttempts counts one row per key while every key is under its limit, and none after', async () => {
        const since = ctx.now - HOUR;
        for (let i = 0; i < 3; i++) expect(await ctx.db.claim(ctx.repos.accounts.reserveAttempts(limits, ctx.now, since))).toBe(2);
        expect(await ctx.db.claim(ctx.repos.accounts.reserveAttempts(limits, ctx.now, since))).toBe(0);
        expect(await ctx.repos.accounts.attemptsSince('account:a@example.com', since)).toEqual({ count: 3, oldest: ctx.now });
        expect((await ctx.repos.accounts.attemptsSince('ip:203.0.113.1', since)).count).toBe(3);
        // Older attempts are outside the window.
        expect(await ctx.db.claim(ctx.repos.accounts.reserveAttempts(limits, ctx.now + 2 * HOUR, ctx.now + HOUR))).toBe(2);
      });

      it('reserveAttempts lets exactly `max` of many concurrent claims through', async () => {
        const since = ctx.now - HOUR;
        const counted = await Promise.all(
          Array.from({ length: 12 }, () => ctx.db.claim(ctx.repos.accounts.reserveAttempts(limits, ctx.now, since))),
        );
        expect(counted.filter((n) => n === 2)).toHaveLength(3);
        expect(counted.filter((n) => n === 0)).toHaveLength(9);
      });

      it('releaseAttempt takes back exactly one attempt', async () => {
        const since = ctx.now - HOUR;
        const one = [{ key: 'ip:198.51.100.1', max: 10 }];
        await ctx.db.claim(ctx.repos.accounts.reserveAttempts(one, ctx.now, since));
        await ctx.db.claim(ctx.repos.accounts.reserveAttempts(one, ctx.now, since));
        await ctx.db.atomic([ctx.repos.accounts.releaseAttempt('ip:198.51.100.1', ctx.now)]);
        expect((await ctx.repos.accounts.attemptsSince('ip:198.51.100.1', since)).count).toBe(1);
      });

      it('consumeOneTime changes one row for one of many concurrent claims, and none for an expired or used link', async () => {
        const row = { purpose: 'password_reset' as const, userId: null, createdAt: ctx.now };
        await ctx.db.atomic([
          ctx.repos.accounts.insertOneTime({ ...row, tokenHash: 'live', expiresAt: ctx.now + HOUR }),
          ctx.repos.accounts.insertOneTime({ ...row, tokenHash: 'old', expiresAt: ctx.now - 1 }),
        ]);
        const claims = await Promise.all(
          Array.from({ length: 6 }, () => ctx.db.claim(ctx.repos.accounts.consumeOneTime('live', 'password_reset', ctx.now))),
        );
        expect(claims.sort()).toEqual([0, 0, 0, 0, 0, 1]);
        expect(await ctx.db.claim(ctx.repos.accounts.consumeOneTime('old', 'password_reset', ctx.now))).toBe(0);
        // The purpose must match too: a reset link is no setup link.
        await ctx.db.atomic([ctx.repos.accounts.insertOneTime({ ...row, tokenHash: 'reset', expiresAt: ctx.now + HOUR })]);
        expect(await ctx.db.claim(ctx.repos.accounts.consumeOneTime('reset', 'setup', ctx.now))).toBe(0);
      });

      it('claimInternalReminder marks an open incident once per due time, for one of many concurrent claims, and never a resolved one', async () => {
        const open = incidentRow(ctx, { status: 'investigating', severity: 1 });
        const resolved = incidentRow(ctx, { status: 'resolved', severity: 1, resolvedAt: ctx.now });
        await ctx.db.atomic([...ctx.repos.incidents.insert(open, []), ...ctx.repos.incidents.insert(resolved, [])]);
        const dueAt = ctx.now - MINUTE;
        const claims = await Promise.all(
          Array.from({ length: 5 }, () => ctx.db.claim(ctx.repos.incidents.claimInternalReminder(open.id!, dueAt, ctx.now))),
        );
        // One winner; D1 counts the revision trigger's row too (so a win is 1 or 2): callers test for 0.
        expect(claims.filter((n) => n > 0)).toHaveLength(1);
        const marked = (await ctx.repos.incidents.findById(open.id!))!;
        expect(marked.internalRemindedAt).toBe(ctx.now);
        // Not a public change: the calendar SEQUENCE stays.
        expect(marked.sequence).toBe(0);
        // A later overdue period (a new due time after the reminder) is claimed again, once.
        expect(await ctx.db.claim(ctx.repos.incidents.claimInternalReminder(open.id!, ctx.now + HOUR, ctx.now + 2 * HOUR))).toBeGreaterThan(0);
        expect(await ctx.db.claim(ctx.repos.incidents.claimInternalReminder(open.id!, ctx.now + HOUR, ctx.now + 3 * HOUR))).toBe(0);
        expect(await ctx.db.claim(ctx.repos.incidents.claimInternalReminder(resolved.id!, dueAt, ctx.now))).toBe(0);
      });

      it('consumeSetupLinks uses up every setup link with a valid one, and nothing once an account exists', async () => {
        const setup = { purpose: 'setup' as const, userId: null, createdAt: ctx.now, expiresAt: ctx.now + HOUR };
        await ctx.db.atomic([
          ctx.repos.accounts.insertOneTime({ ...setup, tokenHash: 'a' }),
          ctx.repos.accounts.insertOneTime({ ...setup, tokenHash: 'b' }),
        ]);
        expect(await ctx.db.claim(ctx.repos.accounts.consumeSetupLinks('unknown', ctx.now))).toBe(0);
        expect(await ctx.db.claim(ctx.repos.accounts.consumeSetupLinks('a', ctx.now))).toBe(2);
        expect(await ctx.db.claim(ctx.repos.accounts.consumeSetupLinks('b', ctx.now))).toBe(0);
        await ctx.db.atomic([
          ctx.repos.accounts.insertOneTime({ ...setup, tokenHash: 'c' }),
          ctx.repos.accounts.insertUser({ id: newId(), email: 'o@example.com', name: 'O', role: 'owner', passwordHash: 'x', createdAt: ctx.now, updatedAt: ctx.now }),
        ]);
        expect(await ctx.db.claim(ctx.repos.accounts.consumeSetupLinks('c', ctx.now))).toBe(0);
      });
    });

    // ------------------------------------------------------------ atomicity
    describe('atomicity', () => {
      it('atomic([]) is a no-op', async () => {
        await ctx.db.atomic([]);
        expect(await revision(ctx)).toBe(0);
      });

      it('runs statements in order: a later statement sees an earlier one', async () => {
        const groupId = newId();
        const row = componentRow(ctx, { groupId });
        await ctx.db.atomic([
          ctx.repos.components.insertGroup({ id: groupId, name: 'G', position: 0, createdAt: ctx.now, updatedAt: ctx.now }),
          ctx.repos.components.insert(row),
          ...ctx.repos.components.setStatus({ componentId: row.id, status: 'major_outage', at: ctx.now }, ctx.now),
          ctx.repos.components.recordChange({ componentId: row.id, status: 'partial_outage', at: ctx.now - HOUR }),
        ]);
        expect(await component(ctx, row.id)).toMatchObject({ groupId, status: 'major_outage' });
      });

      it('a batch whose last statement fails (duplicate primary key) leaves no trace', async () => {
        await initializePage(ctx.deps);
        const existing = await createComponent(ctx.deps, { name: 'Existing', startedAt: ctx.now - DAY }, FIXTURE_ACTOR);
        const snapshot = await tableCounts(ctx);
        const before = await revision(ctx);
        const groupId = newId();
        const row = componentRow(ctx, { groupId });
        const incident = incidentRow(ctx);
        const updateId = newId();
        const batch: Statement[] = [
          ctx.repos.components.insertGroup({ id: groupId, name: 'G', position: 0, createdAt: ctx.now, updatedAt: ctx.now }),
          ctx.repos.components.insert(row),
          ...ctx.repos.components.setStatus({ componentId: existing, status: 'major_outage', at: ctx.now }, ctx.now),
          ...ctx.repos.incidents.insert(incident, [existing, row.id]),
          ...ctx.repos.incidents.insertUpdate(
            { id: updateId, incidentId: incident.id!, status: 'investigating', body: 'b', at: ctx.now, createdAt: ctx.now, updatedAt: ctx.now },
            [{ componentId: existing, oldStatus: 'operational', newStatus: 'major_outage' }],
          ),
          ctx.repos.settings.setMeta('contract_marker', 'written'),
          // Fails: the group exists by now (inserted by the first statement).
          ctx.repos.components.insertGroup({ id: groupId, name: 'Dup', position: 1, createdAt: ctx.now, updatedAt: ctx.now }),
        ];
        await expect(ctx.db.atomic(batch)).rejects.toThrow();

        expect(await tableCounts(ctx)).toEqual(snapshot);
        expect(await revision(ctx)).toBe(before);
        expect(await ctx.repos.settings.getMeta('contract_marker')).toBeUndefined();
        expect(await component(ctx, existing)).toMatchObject({ status: 'operational', updatedAt: ctx.now });
        expect(await ctx.repos.incidents.findById(incident.id!)).toBeUndefined();

        // The connection is still usable (no transaction left open).
        await ctx.db.atomic([ctx.repos.settings.setMeta('contract_marker', 'after')]);
        expect(await ctx.repos.settings.getMeta('contract_marker')).toBe('after');
      });

      it('a batch failing in the middle (foreign key) leaves no trace', async () => {
        const existing = await createComponent(ctx.deps, { name: 'Existing' }, FIXTURE_ACTOR);
        const snapshot = await tableCounts(ctx);
        await expect(
          ctx.db.atomic([
            ...ctx.repos.components.setStatus({ componentId: existing, status: 'partial_outage', at: ctx.now }, ctx.now),
            ctx.repos.components.recordChange({ componentId: 'nosuchcomponent', status: 'major_outage', at: ctx.now }),
            ctx.repos.settings.setMeta('contract_marker', 'x'),
          ]),
        ).rejects.toThrow();
        expect(await tableCounts(ctx)).toEqual(snapshot);
        expect((await component(ctx, existing)).status).toBe('operational');
      });

      it('postUpdate against a lifecycle violation writes nothing', async () => {
        const api = await createComponent(ctx.deps, { name: 'API', startedAt: ctx.now - DAY }, FIXTURE_ACTOR);
        const id = await declareIncident(ctx.deps, {
          title: 'T',
          severity: 2,
          body: 'b',
          components: [{ componentId: api, status: 'major_outage' }],
        }, FIXTURE_ACTOR);
        ctx.clock.advance(MINUTE);
        await postUpdate(ctx.deps, { incidentId: id, status: 'resolved', body: 'fixed', components: [{ componentId: api, status: 'operational' }] }, FIXTURE_ACTOR);
        const incidentBefore = await ctx.repos.incidents.findById(id);
        const snapshot = await tableCounts(ctx);
        const before = await revision(ctx);
        ctx.clock.advance(MINUTE);

        // Reopening a resolved incident, and a maintenance status on an incident.
        for (const status of ['investigating', 'in_progress'] as const) {
          await expect(
            postUpdate(ctx.deps, {
              incidentId: id,
              status,
              body: 'again',
              components: [{ componentId: api, status: 'major_outage' }],
            }, FIXTURE_ACTOR),
          ).rejects.toBeInstanceOf(ValidationError);
        }
        // An unknown component is caught before anything is written, too.
        await expect(
          postUpdate(ctx.deps, {
            incidentId: id,
            status: 'resolved',
            body: 'addendum',
            components: [{ componentId: 'nosuchcomponent', status: 'operational' }],
          }, FIXTURE_ACTOR),
        ).rejects.toBeInstanceOf(ValidationError);

        expect(await tableCounts(ctx)).toEqual(snapshot);
        expect(await revision(ctx)).toBe(before);
        expect(await ctx.repos.incidents.findById(id)).toEqual(incidentBefore);
        expect((await component(ctx, api)).status).toBe('operational');
      });

      it("postUpdate's write is all or nothing when the batch fails at its end", async () => {
        await initializePage(ctx.deps);
        const api = await createComponent(ctx.deps, { name: 'API', startedAt: ctx.now - DAY }, FIXTURE_ACTOR);
        const id = await declareIncident(ctx.deps, {
          title: 'T',
          severity: 2,
          body: 'b',
          components: [{ componentId: api, status: 'major_outage' }],
        }, FIXTURE_ACTOR);
        const incidentBefore = await ctx.repos.incidents.findById(id);
        const apiBefore = await component(ctx, api);
        const snapshot = await tableCounts(ctx);
        const before = await revision(ctx);
        // The same database, with a duplicate settings row appended to every batch.
        const failing: Database = {
          orm: ctx.db.orm,
          close() {},
          claim: (statement) => ctx.db.claim(statement),
          atomic: (statements) => ctx.db.atomic([...statements, ctx.repos.settings.insert(settingsRow(ctx))]),
        };
        ctx.clock.advance(MINUTE);
        await expect(
          postUpdate(depsOver(failing, ctx.clock), {
            incidentId: id,
            status: 'resolved',
            body: 'fixed',
            components: [{ componentId: api, status: 'operational' }],
          }, FIXTURE_ACTOR),
        ).rejects.toThrow();
        expect(await tableCounts(ctx)).toEqual(snapshot);
        expect(await revision(ctx)).toBe(before);
        expect(await ctx.repos.incidents.findById(id)).toEqual(incidentBefore);
        expect(await component(ctx, api)).toEqual(apiBefore);
      });

      it("declareIncident's write is all or nothing when the batch fails at its end", async () => {
        await initializePage(ctx.deps);
        const api = await createComponent(ctx.deps, { name: 'API', startedAt: ctx.now - DAY }, FIXTURE_ACTOR);
        const snapshot = await tableCounts(ctx);
        const failing: Database = {
          orm: ctx.db.orm,
          close() {},
          claim: (statement) => ctx.db.claim(statement),
          atomic: (statements) => ctx.db.atomic([...statements, ctx.repos.settings.insert(settingsRow(ctx))]),
        };
        await expect(
          declareIncident(depsOver(failing, ctx.clock), {
            title: 'T',
            severity: 1,
            body: 'b',
            components: [{ componentId: api, status: 'major_outage' }],
          }, FIXTURE_ACTOR),
        ).rejects.toThrow();
        expect(await tableCounts(ctx)).toEqual(snapshot);
        expect((await component(ctx, api)).status).toBe('operational');
      });
    });

    describe('public postmortems (issue 17)', () => {
      it('publicOf returns only those on the status page, by incident id, for more than 100 ids (D1 binds at most 100 parameters)', async () => {
        const declare = (title: string) => declareIncident(ctx.deps, { title, severity: 3, body: 'x' }, FIXTURE_ACTOR);
        const [published, internal, none] = [await declare('Published'), await declare('Internal'), await declare('None')];
        const row = (incidentId: string, publicBody: string | null) => ({
          incidentId, state: 'published' as const, dueAt: null, ownerUserId: null, ownerName: null, body: 'Internal text', revision: 1,
          publicBody, publicPublishedAt: publicBody === null ? null : ctx.now - HOUR, publicUpdatedAt: publicBody === null ? null : ctx.now,
          createdAt: ctx.now - DAY, updatedAt: ctx.now,
        });
        await ctx.db.atomic([ctx.repos.postmortems.insertIfAbsent(row(published, 'For customers')), ctx.repos.postmortems.insertIfAbsent(row(internal, null))]);
        const unknown = Array.from({ length: 150 }, () => newId());
        const found = await ctx.repos.postmortems.publicOf([...unknown, internal, none, published]);
        expect([...found.entries()]).toEqual([[published, { body: 'For customers', publishedAt: ctx.now - HOUR, updatedAt: ctx.now }]]);
        expect((await ctx.repos.postmortems.publicOf([])).size).toBe(0);
      });
    });
  });
}

/** Row counts of every table (meta included), in one query, to compare before and after a failed write. */
async function tableCounts(ctx: Ctx): Promise<Record<string, number>> {
  const tables = [
    meta,
    settings,
    componentGroups,
    components,
    componentStatusChanges,
    incidents,
    incidentComponents,
    incidentUpdates,
    incidentUpdateComponents,
  ];
  const columns = sql.join(
    tables.map((table) => sql`(SELECT count(*) FROM ${table}) AS ${sql.identifier(getTableName(table))}`),
    sql`, `,
  );
  const [row] = await ctx.db.orm.all<Record<string, number>>(sql`SELECT ${columns}`);
  return { ...row };
}
