// The subscribers of the fan-out benchmark, added to the seeded page in bulk:
// who the published update concerns and who the fan-out must skip.
import { parseAppConfig } from '../../src/config.js';
import type { Statement } from '../../src/db/database.js';
import { subscriberComponents, subscriberGroups, subscribers } from '../../src/db/schema.js';
import { createNodeDeps } from '../../src/entry/node-deps.js';
import { randomToken } from '../../src/lib/crypto.js';
import { newId } from '../../src/lib/ids.js';
import { ERRORS_ONLY } from '../lib/herald.js';
import { prng } from '../lib/prng.js';
import { round } from '../lib/stats.js';

export interface Population {
  /** Confirmed and concerned by the published update: each gets one email. */
  concerned: number;
  all: number;
  perComponent: number;
  perGroup: number;
  /** Addresses the fan-out must skip. */
  confirmedElsewhere: number;
  pending: number;
  unsubscribed: number;
  insertMs: number;
}

export interface PageIds {
  /** The components the published incident affects. */
  affected: { id: string; name: string }[];
  components: { id: string; name: string; groupId: string | null }[];
  groups: { id: string; name: string }[];
}

/**
 * Adds the subscribers in large multi-row INSERTs, 10,000 subscribers per
 * transaction. The update concerns `concerned` of them: 80% subscribed to every
 * component, 12% to 1-3 components including an affected one, 8% to 1-2 groups
 * including one holding an affected component. Besides those, 1% confirmed to
 * unaffected components only, 1% pending and 0.5% unsubscribed: the fan-out
 * query has to skip them.
 */
export async function addSubscribers(databasePath: string, concerned: number): Promise<{ population: Population; ids: PageIds }> {
  const started = performance.now();
  const deps = createNodeDeps({
    config: parseAppConfig({ HERALD_ENV: 'production' }),
    databasePath,
    log: ERRORS_ONLY,
  });
  try {
    const components = (await deps.repos.components.list()).map((c) => ({ id: c.id, name: c.name, groupId: c.groupId }));
    const groups = (await deps.repos.components.listGroups()).map((g) => ({ id: g.id, name: g.name }));
    const byName = (name: string) => {
      const found = components.find((c) => c.name === name);
      if (!found) throw new Error(`the seeded page has no component "${name}"`);
      return found;
    };
    // A SEV-1: the REST API down, sign-in degraded (two groups: APIs and Infrastructure).
    const affected = [byName('REST API'), byName('Authentication')];
    const affectedIds = new Set(affected.map((c) => c.id));
    const affectedGroups = new Set(affected.map((c) => c.groupId));
    const unaffected = components.filter((c) => !affectedIds.has(c.id));
    const otherGroups = groups.filter((g) => !affectedGroups.has(g.id));

    const random = prng(20_261_124);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const now = Date.now();
    const population: Population = {
      concerned,
      all: 0,
      perComponent: 0,
      perGroup: 0,
      confirmedElsewhere: 0,
      pending: 0,
      unsubscribed: 0,
      insertMs: 0,
    };
    type Kind = 'all' | 'component' | 'group' | 'elsewhere' | 'pending' | 'unsubscribed';
    const kinds: Kind[] = [];
    for (let i = 0; i < concerned; i++) {
      const r = random();
      kinds.push(r < 0.8 ? 'all' : r < 0.92 ? 'component' : 'group');
    }
    const extra = (share: number, kind: Kind): void => {
      for (let i = 0; i < Math.round(concerned * share); i++) kinds.splice(Math.floor(random() * kinds.length), 0, kind);
    };
    extra(0.01, 'elsewhere');
    extra(0.01, 'pending');
    extra(0.005, 'unsubscribed');

    const CHUNK = 10_000;
    const ROWS_PER_INSERT = 500;
    for (let start = 0; start < kinds.length; start += CHUNK) {
      const rows: (typeof subscribers.$inferInsert)[] = [];
      const componentRows: (typeof subscriberComponents.$inferInsert)[] = [];
      const groupRows: (typeof subscriberGroups.$inferInsert)[] = [];
      for (let i = start; i < Math.min(kinds.length, start + CHUNK); i++) {
        const kind = kinds[i]!;
        const id = newId();
        const scoped = kind === 'component' || kind === 'group' || kind === 'elsewhere';
        const status = kind === 'pending' ? 'pending' : kind === 'unsubscribed' ? 'unsubscribed' : 'confirmed';
        rows.push({
          id,
          email: `subscriber${i}@example.com`,
          status,
          secret: randomToken(24),
          allComponents: !scoped,
          source: random() < 0.7 ? 'form' : 'import',
          createdAt: now - Math.floor(random() * 400 * 86_400_000),
          updatedAt: now,
          confirmedAt: status === 'pending' ? null : now,
        });
        if (kind === 'all') population.all++;
        else if (kind === 'pending') population.pending++;
        else if (kind === 'unsubscribed') population.unsubscribed++;
        else if (kind === 'component') {
          population.perComponent++;
          const chosen = new Set([pick(affected).id]);
          const more = Math.floor(random() * 3);
          for (let k = 0; k < more; k++) chosen.add(pick(components).id);
          for (const componentId of chosen) componentRows.push({ subscriberId: id, componentId });
        } else if (kind === 'group') {
          population.perGroup++;
          const chosen = new Set([pick(affected).groupId!]);
          if (random() < 0.4) chosen.add(pick(groups).id);
          for (const groupId of chosen) groupRows.push({ subscriberId: id, groupId });
        } else {
          population.confirmedElsewhere++;
          if (random() < 0.5 || otherGroups.length === 0) componentRows.push({ subscriberId: id, componentId: pick(unaffected).id });
          else groupRows.push({ subscriberId: id, groupId: pick(otherGroups).id });
        }
      }
      const statements: Statement[] = [];
      const slices = <T>(items: T[]): T[][] => Array.from({ length: Math.ceil(items.length / ROWS_PER_INSERT) }, (_, k) => items.slice(k * ROWS_PER_INSERT, (k + 1) * ROWS_PER_INSERT));
      for (const part of slices(rows)) statements.push(deps.db.orm.insert(subscribers).values(part));
      for (const part of slices(componentRows)) statements.push(deps.db.orm.insert(subscriberComponents).values(part));
      for (const part of slices(groupRows)) statements.push(deps.db.orm.insert(subscriberGroups).values(part));
      await deps.db.atomic(statements);
    }
    population.insertMs = round(performance.now() - started);
    return { population, ids: { affected, components, groups } };
  } finally {
    deps.db.close();
  }
}
