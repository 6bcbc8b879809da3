import { describe, expect, it } from 'vitest';
import { apiCall, apiToken } from '../support/admin.js';
import { client } from '../api-v1/helpers.js';
import { createTestDeps } from '../support/deps.js';
import { seedStandardFixture } from './fixtures.js';

describe('GET /api/v1/metrics', () => {
  it('answers the hand-computed figures in seconds, in its documented model, to a viewer token', async () => {
    const deps = await createTestDeps();
    const ids = await seedStandardFixture(deps);
    const { call } = await client(deps, 'viewer');
    const body = await call('GET', '/api/v1/metrics?days=30');
    expect(body.period).toEqual({ days: 30, month: null, from: '2026-10-24T12:00:00.000Z', to: '2026-11-23T12:00:00.001Z', time_zone: 'UTC' });
    expect(body.incidents).toBe(5);
    expect(body.durations.mtta).toEqual({ median_seconds: 180, mean_seconds: 540, count: 4, missing: [{ id: ids.h, title: 'Backfilled blip', severity: 3, open: false }] });
    expect(body.durations.mttr.missing.map((m: { id: string }) => m.id).sort()).toEqual([ids.c, ids.h].sort());
    expect(body.by_severity[1].durations.mttm).toEqual({ median_seconds: 49 * 60, mean_seconds: 49 * 60, count: 2, missing_count: 0 });
    expect(body.incidents_per_month).toEqual([
      { month: '2026-10', total: 0, by_severity: { 1: 0, 2: 0, 3: 0, 4: 0 } },
      { month: '2026-11', total: 5, by_severity: { 1: 2, 2: 2, 3: 1, 4: 0 } },
    ]);
    expect(body.postmortems_on_time).toMatchObject({ numerator: 1, denominator: 3 });
    expect(body.action_items_on_time.late.map((l: { id: string }) => l.id).sort()).toEqual([ids.a, ids.b].sort());
    expect(body.customer_detected.missing.map((m: { id: string }) => m.id).sort()).toEqual([ids.c, ids.h].sort());
    expect(body.targets.find((t: { key: string }) => t.key === 'mtta_sev1')).toEqual({ key: 'mtta_sev1', label: 'MTTA for SEV-1', target: '< 5 min', value: 120, unit: 'seconds', met: true });
  });

  it('reads a month, and answers 400 with the field for a bad period', async () => {
    const deps = await createTestDeps();
    await seedStandardFixture(deps);
    const { call, token } = await client(deps, 'viewer');
    expect((await call('GET', '/api/v1/metrics?month=2026-10')).incidents).toBe(1);
    for (const bad of ['days=7', 'month=2026-13', 'days=30&month=2026-10']) {
      const res = await apiCall(deps, 'GET', `/api/v1/metrics?${bad}`, token);
      expect(res.status, bad).toBe(400);
      expect(JSON.parse(res.text).error.code).toBe('invalid_input');
    }
  });

  it('refuses an alerts token and no token', async () => {
    const deps = await createTestDeps();
    expect((await apiCall(deps, 'GET', '/api/v1/metrics', await apiToken(deps, 'alerts'))).status).toBe(403);
    expect((await apiCall(deps, 'GET', '/api/v1/metrics', '')).status).toBe(401);
  });
});
