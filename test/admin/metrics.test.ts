import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { adminGet, signIn } from '../support/admin.js';
import { createTestDeps } from '../support/deps.js';
import { seedIncident, seedStandardFixture } from '../metrics/fixtures.js';

/** The cells of a CSV body, by row (RFC 4180 quoting; no quoted newlines in these cells). */
function parseCsv(text: string): string[][] {
  return text
    .trimEnd()
    .split('\r\n')
    .map((line) => {
      const cells: string[] = [];
      let cell = '';
      let quoted = false;
      for (let i = 0; i < line.length; i++) {
        const ch = line[i]!;
        if (quoted && ch === '"' && line[i + 1] === '"') (cell += '"'), i++;
        else if (ch === '"') quoted = !quoted;
        else if (ch === ',' && !quoted) cells.push(cell), (cell = '');
        else cell += ch;
      }
      cells.push(cell);
      return cells;
    });
}

describe('/admin/metrics', () => {
  it('shows the figures as "median / mean (n incidents)" next to the targets, with charts and table alternatives', async () => {
    const deps = await createTestDeps();
    const ids = await seedStandardFixture(deps);
    const viewer = await signIn(deps, 'viewer');
    const res = await adminGet(deps, '/admin/metrics?days=30', viewer);
    expect(res.status).toBe(200);
    // MTTA over A, B, C, D: median 3 min, mean 9 min.
    expect(res.text).toContain('3 min / 9 min (4 incidents)');
    // MTTR over A, B, D: median 80 min, mean 82 min 40 s.
    expect(res.text).toContain('1 h 20 min / 1 h 22 min (3 incidents)');
    expect(res.text).toMatch(/MTTA for SEV-1<\/th><td>&lt; 5 min<\/td><td>2 min \(median\)<\/td><td><span class="pill">Met/);
    expect(res.text).toMatch(/Postmortems on time<\/th><td>&gt; 95%<\/td><td>33.3%<\/td><td><span class="pill overdue">Missed/);
    expect(res.text).toContain('33.3% (1 of 3)');
    // Which incidents a figure could not count, linked.
    expect(res.text).toContain(`<a href="/admin/incidents/${ids.c}/timeline">Slow search</a> (SEV-2, still open)`);
    expect(res.text).toContain(`<a href="/admin/incidents/${ids.h}/timeline">Backfilled blip</a> (SEV-3)`);
    expect(res.text).toContain(`<a href="/admin/incidents/${ids.b}/postmortem">Logins failing</a>`);
    // Charts: SVG images with alt text, and the same numbers as tables.
    expect(res.text).toContain('<img src="/admin/metrics/incidents-per-month.svg?days=30"');
    expect(res.text).toContain('<img src="/admin/metrics/mtta.svg?days=30"');
    expect(res.text).toMatch(/<th scope="row">2026-11<\/th><td>5<\/td><td>2<\/td><td>2<\/td><td>1<\/td><td>0<\/td>/);
    expect(res.text).not.toContain(ids.example);
    expect(res.text).toContain('<option value="30" selected>');
  });

  it('reads a month and says when a period is invalid instead of failing', async () => {
    const deps = await createTestDeps();
    await seedStandardFixture(deps);
    const viewer = await signIn(deps, 'viewer');
    const month = await adminGet(deps, '/admin/metrics?days=&month=2026-10', viewer);
    expect(month.status).toBe(200);
    expect(month.text).toContain('value="2026-10"');
    expect(month.text).toMatch(/<th scope="row">2026-10<\/th><td>1<\/td>/);
    for (const bad of ['?days=7', '?month=2026-13', '?days=30&month=2026-10', '?month=%3Cscript%3E']) {
      const res = await adminGet(deps, `/admin/metrics${bad}`, viewer);
      expect(res.status, bad).toBe(400);
      expect(res.text).toContain('Choose the last 30, 90 or 365 days');
      expect(res.text).not.toContain('<script>');
    }
  });

  it('sends anonymous visitors to sign-in', async () => {
    const deps = await createTestDeps();
    const res = await createApp(deps).request('/admin/metrics.csv?days=30');
    expect(res.status).toBe(303);
  });
});

describe('/admin/metrics charts', () => {
  it('are accessible SVG documents: role="img", a title and a description with the numbers', async () => {
    const deps = await createTestDeps();
    await seedStandardFixture(deps);
    const viewer = await signIn(deps, 'viewer');
    const perMonth = await adminGet(deps, '/admin/metrics/incidents-per-month.svg?days=30', viewer);
    expect(perMonth.status).toBe(200);
    expect(perMonth.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
    expect(perMonth.text).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" viewBox="0 0 640 240" width="100%" role="img" aria-labelledby="per-month-title per-month-desc"/);
    expect(perMonth.text).toContain('<title id="per-month-title">Incidents per month, by severity</title>');
    expect(perMonth.text).toContain('<desc id="per-month-desc">5 incidents from 2026-10 to 2026-11: 2026-10 0, 2026-11 5.</desc>');
    // November's bar: SEV-1, SEV-2, SEV-3 stacked (no SEV-4), each with its count.
    expect([...perMonth.text.matchAll(/<title>2026-11: (\d) SEV-(\d)<\/title>/g)].map((m) => `${m[2]}:${m[1]}`)).toEqual(['1:2', '2:2', '3:1']);
    const mttr = await adminGet(deps, '/admin/metrics/mttr.svg?days=30', viewer);
    expect(mttr.text).toContain('<desc id="mttr-trend-desc">2026-10: no figure, 2026-11: 1 h 20 min</desc>');
    expect((await adminGet(deps, '/admin/metrics/mtta.svg?month=nope', viewer)).status).toBe(400);
  });
});

describe('/admin/metrics.csv', () => {
  it('has one row per incident with its key times and durations in minutes', async () => {
    const deps = await createTestDeps();
    const ids = await seedStandardFixture(deps);
    const viewer = await signIn(deps, 'viewer');
    const res = await adminGet(deps, '/admin/metrics.csv?days=30', viewer);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="metrics-incidents-days-30.csv"');
    const [header, ...rows] = parseCsv(res.text);
    expect(header).toEqual(['id', 'title', 'severity', 'month', 'detection_source', 'impact_started_at', 'detected_at', 'acknowledged_at', 'mitigated_at', 'resolved_at', 'mttd_minutes', 'mtta_minutes', 'mttm_minutes', 'mttr_minutes']);
    expect(rows).toHaveLength(5);
    const a = rows.find((r) => r[0] === ids.a)!;
    expect(a).toEqual([ids.a, 'Checkout down', '1', '2026-11', 'alert', '2026-11-10T10:00:00Z', '2026-11-10T10:02:00Z', '2026-11-10T10:06:00Z', '2026-11-10T10:20:00Z', '2026-11-10T11:00:00Z', '2', '4', '18', '58']);
    const c = rows.find((r) => r[0] === ids.c)!;
    expect(c.slice(8)).toEqual(['', '', '1', '2', '', '']);
  });

  it('prefixes cells a spreadsheet would run as formulas', async () => {
    const deps = await createTestDeps();
    for (const title of ['=HYPERLINK("http://evil.example")', '+1', '-2', '@SUM(A1)']) await seedIncident(deps, { title, startedAt: deps.clock.now() - 3_600_000 });
    const viewer = await signIn(deps, 'viewer');
    const res = await adminGet(deps, '/admin/metrics.csv', viewer);
    const titles = parseCsv(res.text).slice(1).map((r) => r[1]);
    expect(titles.sort()).toEqual(["'+1", "'-2", "'=HYPERLINK(\"http://evil.example\")", "'@SUM(A1)"].sort());
  });

  it('answers 400, not 500, for a bad period', async () => {
    const deps = await createTestDeps();
    const viewer = await signIn(deps, 'viewer');
    expect((await adminGet(deps, '/admin/metrics.csv?days=1', viewer)).status).toBe(400);
  });
});

describe('/admin/metrics-summary.csv', () => {
  it('has each figure overall and per severity, then the rates', async () => {
    const deps = await createTestDeps();
    await seedStandardFixture(deps);
    const viewer = await signIn(deps, 'viewer');
    const rows = parseCsv((await adminGet(deps, '/admin/metrics-summary.csv?days=30', viewer)).text);
    expect(rows[0]).toEqual(['figure', 'scope', 'median_minutes', 'mean_minutes', 'rate', 'counted', 'of', 'missing']);
    expect(rows.find((r) => r[0] === 'mtta' && r[1] === 'all')).toEqual(['mtta', 'all', '3', '9', '', '4', '5', '1']);
    expect(rows.find((r) => r[0] === 'mttm' && r[1] === 'SEV-1')).toEqual(['mttm', 'SEV-1', '49', '49', '', '2', '2', '0']);
    expect(rows.find((r) => r[0] === 'postmortems_on_time')).toEqual(['postmortems_on_time', 'all', '', '', '0.3333', '1', '3', '']);
    expect(rows.find((r) => r[0] === 'customer_detected')).toEqual(['customer_detected', 'all', '', '', '0.3333', '1', '3', '2']);
  });
});
