import { MINUTE } from '../../src/domain/calendar.js';
import type { Deps } from '../../src/deps.js';
import { actionItems, incidents, postmortems } from '../../src/db/schema.js';
import { newId } from '../../src/lib/ids.js';

type Row = typeof incidents.$inferInsert;

/**
 * An incident row with exactly the times a metrics test means (declaring
 * through the service would stamp "now" everywhere). Times default to a
 * resolved SEV-2 that started at `startedAt`.
 */
export async function seedIncident(deps: Pick<Deps, 'db'>, fields: Partial<Row> & { startedAt: number }): Promise<string> {
  const id = fields.id ?? newId();
  await deps.db.orm
    .insert(incidents)
    .values({
      id,
      kind: 'incident',
      title: `Incident ${id}`,
      severity: 2,
      impact: 'major',
      status: fields.resolvedAt === null ? 'investigating' : 'resolved',
      createdAt: fields.startedAt,
      updatedAt: fields.startedAt,
      resolvedAt: fields.startedAt + 60 * MINUTE,
      ...fields,
    })
    .run();
  return id;
}

export async function seedPostmortem(
  deps: Pick<Deps, 'db'>,
  incidentId: string,
  fields: { dueAt: number | null; publishedAt?: number | null; publicPublishedAt?: number | null },
): Promise<void> {
  await deps.db.orm
    .insert(postmortems)
    .values({
      incidentId,
      state: fields.publishedAt ? 'published' : 'draft',
      body: '# Postmortem',
      createdAt: 0,
      updatedAt: 0,
      dueAt: fields.dueAt,
      publishedAt: fields.publishedAt ?? null,
      publicPublishedAt: fields.publicPublishedAt ?? null,
    })
    .run();
}

export async function seedActionItem(
  deps: Pick<Deps, 'db'>,
  incidentId: string,
  fields: { priority: 'P0' | 'P1' | 'P2'; dueAt: number | null; status?: 'open' | 'done' | 'wont_do'; doneAt?: number | null },
): Promise<void> {
  await deps.db.orm
    .insert(actionItems)
    .values({
      id: newId(),
      incidentId,
      title: 'Fix it',
      priority: fields.priority,
      dueAt: fields.dueAt,
      status: fields.status ?? 'open',
      reason: fields.status === 'wont_do' ? 'Not worth it' : null,
      doneAt: fields.doneAt ?? null,
      createdAt: 0,
      updatedAt: 0,
    })
    .run();
}

const at = (iso: string): number => Date.parse(iso);
const HOUR = 60 * MINUTE;

/**
 * The hand-computed fixture (test clock: 2026-11-23 12:00 UTC). In the last
 * 30 days: A and B (SEV-1), C (SEV-2, open), D (SEV-2, corrected times), H
 * (SEV-3 written down after it was over: no detection time). Outside it or
 * left out: G (SEV-3, 40 days ago), an example incident, a maintenance.
 * The expected figures are worked out in test/metrics/service.test.ts.
 */
export async function seedStandardFixture(deps: Pick<Deps, 'db'>): Promise<Record<'a' | 'b' | 'c' | 'd' | 'g' | 'h' | 'example', string>> {
  const t0 = at('2026-11-10T10:00:00Z');
  const a = await seedIncident(deps, {
    title: 'Checkout down',
    severity: 1,
    startedAt: t0,
    createdAt: t0 + 3 * MINUTE,
    detectedAt: t0 + 2 * MINUTE,
    acknowledgedAt: t0 + 6 * MINUTE,
    monitoringAt: t0 + 20 * MINUTE,
    resolvedAt: t0 + 60 * MINUTE,
    detectionSource: 'alert',
  });
  const t1 = at('2026-11-15T08:00:00Z');
  const b = await seedIncident(deps, {
    title: 'Logins failing',
    severity: 1,
    startedAt: t1,
    createdAt: t1 + 10 * MINUTE,
    resolvedAt: t1 + 90 * MINUTE,
    detectionSource: 'customer_report',
  });
  const t2 = at('2026-11-20T00:00:00Z');
  const c = await seedIncident(deps, {
    title: 'Slow search',
    severity: 2,
    startedAt: t2,
    createdAt: t2 + 5 * MINUTE,
    detectedAt: t2 + MINUTE,
    acknowledgedAt: t2 + 3 * MINUTE,
    resolvedAt: null,
  });
  const t3 = at('2026-11-01T00:00:00Z');
  const d = await seedIncident(deps, {
    title: 'Webhooks delayed',
    severity: 2,
    startedAt: t3,
    createdAt: t3 + 30 * MINUTE,
    monitoringAt: t3 + 60 * MINUTE,
    resolvedAt: t3 + 120 * MINUTE,
    markerTimes: { detected: t3 + 10 * MINUTE, acknowledged: t3 + 40 * MINUTE },
    detectionSource: 'internal',
  });
  const t4 = at('2026-11-05T00:00:00Z');
  const h = await seedIncident(deps, { title: 'Backfilled blip', severity: 3, startedAt: t4, resolvedAt: t4 + 30 * MINUTE, createdAt: t4 + 24 * HOUR });
  const g = await seedIncident(deps, { title: 'Old one', severity: 3, startedAt: at('2026-10-14T12:00:00Z'), detectionSource: 'alert' });
  const example = await seedIncident(deps, { title: 'Example', severity: 1, startedAt: t2, example: true });
  await seedIncident(deps, { kind: 'maintenance', title: 'Planned', severity: null, impact: 'maintenance', status: 'completed', startedAt: t2 });

  await seedPostmortem(deps, a, { dueAt: t0 + 60 * MINUTE + 48 * HOUR, publishedAt: t0 + 60 * MINUTE + 24 * HOUR });
  await seedPostmortem(deps, b, { dueAt: at('2026-11-17T09:30:00Z') });
  await seedPostmortem(deps, c, { dueAt: at('2026-11-30T00:00:00Z') });
  await seedPostmortem(deps, d, { dueAt: at('2026-11-04T02:00:00Z'), publicPublishedAt: at('2026-11-05T00:00:00Z') });
  await seedPostmortem(deps, h, { dueAt: null });
  await seedPostmortem(deps, example, { dueAt: at('2026-11-01T00:00:00Z') });

  await seedActionItem(deps, a, { priority: 'P0', dueAt: at('2026-11-12T00:00:00Z'), status: 'done', doneAt: at('2026-11-11T00:00:00Z') });
  await seedActionItem(deps, a, { priority: 'P1', dueAt: at('2026-11-14T00:00:00Z') });
  await seedActionItem(deps, a, { priority: 'P2', dueAt: at('2026-11-01T00:00:00Z') });
  await seedActionItem(deps, a, { priority: 'P1', dueAt: at('2026-11-14T00:00:00Z'), status: 'wont_do' });
  await seedActionItem(deps, b, { priority: 'P1', dueAt: at('2026-12-01T00:00:00Z') });
  await seedActionItem(deps, b, { priority: 'P0', dueAt: at('2026-11-20T00:00:00Z'), status: 'done', doneAt: at('2026-11-21T00:00:00Z') });
  await seedActionItem(deps, b, { priority: 'P0', dueAt: null });
  return { a, b, c, d, g, h, example };
}
