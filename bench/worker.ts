/**
 * The Worker under a stampede (issue 19), locally: `wrangler dev` (workerd +
 * local D1 + the Cache API) with the example page, against a bare Worker that
 * returns the same bytes, in the same run. Run with `npx tsx bench/worker.ts`.
 *
 * 1. Stampede: `/` with gzip from many connections, in alternating slices of
 *    Herald and the bare Worker: requests/s, p50/p99 (first response of each
 *    connection left out, as in bench/run.ts), workerd CPU per request, and for
 *    Herald the D1 statements and edge fills per 10,000 requests
 *    (GET /__herald/edge-stats, HERALD_EDGE_DEBUG=1).
 * 2. Freshness after a publish: the time from a publish's response to the first
 *    anonymous `/` that shows it, with and without the publishing colo's drop
 *    (another path than the publisher's is polled: see docs/workers.md).
 * 3. CPU per request type, one request at a time: workerd's CPU time (utime +
 *    stime from /proc) over N requests, divided by N; the bare Worker's cost of
 *    one request (runtime and wrangler's entry worker) is reported beside it.
 *
 * Settings: BENCH_CONNECTIONS (50), SLICE_SECONDS (8), ROUNDS (3), EDGE_CACHE_SECONDS (5),
 * BENCH_OUT (bench/results/worker.json).
 */
import BetterSqlite3 from 'better-sqlite3';
import { readdirSync, readFileSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { raw, startWrangler, type Wrangler } from '../test/worker/edge-harness.js';
import { FAKE_RESEND_API_KEY, startFakeResend } from '../test/support/fake-resend.js';
import { clockTicksPerSecond, processCpu } from './lib/cpu.js';
import { runLoad } from './lib/load.js';
import { loadAverage, machineFacts, writeResults } from './lib/provenance.js';
import { percentile, round } from './lib/stats.js';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SLICE_SECONDS = Number(process.env.SLICE_SECONDS ?? 8);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const EDGE_SECONDS = process.env.EDGE_CACHE_SECONDS ?? '5';
const OUT = process.env.BENCH_OUT ?? 'bench/results/worker.json';
const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1000);

/** The workerd processes in wrangler's process group (wrangler dev may run more than one), as one "pid" for cpuUs. */
function workerdPid(group: number): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (comm === 'workerd' && Number(fields[2]) === group) pids.push(Number(name));
    } catch {
      // gone
    }
  }
  if (pids.length === 0) throw new Error(`no workerd in process group ${group}`);
  return pids;
}

const cpuUs = (pids: number[]): number => pids.reduce((sum, pid) => sum + (processCpu(pid)?.ownUs ?? NaN), 0);

interface Slice {
  target: 'herald' | 'bare';
  rps: number;
  p50: number;
  p99: number;
  cpuUsPerRequest: number;
  d1PerTenThousand?: number;
  fillsPerTenThousand?: number;
  statuses: Record<string, number>;
}

async function stats(base: string): Promise<{ d1Queries: number; edge: { hits: number; fills: number; misses: number; stale: number } }> {
  return (await (await fetch(`${base}/__herald/edge-stats`)).json()) as never;
}

async function slice(target: 'herald' | 'bare', worker: Wrangler, pid: number[]): Promise<Slice> {
  const before = target === 'herald' ? await stats(worker.base) : null;
  const cpuBefore = cpuUs(pid);
  const started = Date.now();
  const load = await runLoad('autocannon', {
    url: `${worker.base}/`,
    connections: CONNECTIONS,
    seconds: SLICE_SECONDS,
    headers: { 'Accept-Encoding': 'gzip' },
    timeoutSeconds: 10,
  });
  const seconds = (Date.now() - started) / 1000;
  const cpu = cpuUs(pid) - cpuBefore;
  const after = target === 'herald' ? await stats(worker.base) : null;
  const count = load.latencies.length + load.firstLatencies.length;
  const sorted = [...load.latencies].sort((a, b) => a - b);
  const result: Slice = {
    target,
    rps: round(count / seconds),
    p50: round(percentile(sorted, 50), 1),
    p99: round(percentile(sorted, 99), 1),
    cpuUsPerRequest: round(cpu / count),
    statuses: Object.fromEntries(load.statusCodes),
  };
  if (before && after) {
    result.d1PerTenThousand = round(((after.d1Queries - before.d1Queries) * 10_000) / count, 1);
    result.fillsPerTenThousand = round(((after.edge.fills - before.edge.fills) * 10_000) / count, 1);
  }
  return result;
}

/** A Worker that answers every request with these bytes and headers (Herald's `/`, gzip). */
async function startBare(body: Buffer, headers: Record<string, string>): Promise<Wrangler> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-bare-'));
  const kept = Object.fromEntries(Object.entries(headers).filter(([name]) => !/^(content-length|date|x-herald-.*|age|cf-cache-status)$/i.test(name)));
  writeFileSync(
    join(dir, 'bare.js'),
    `const body = Uint8Array.from(atob(${JSON.stringify(body.toString('base64'))}), (c) => c.charCodeAt(0));
const headers = ${JSON.stringify(kept)};
export default { fetch() { return new Response(body, { headers, encodeBody: 'manual' }); } };
`,
  );
  writeFileSync(join(dir, 'wrangler.toml'), 'name = "bare"\nmain = "bare.js"\ncompatibility_date = "2026-04-20"\n');
  return startWrangler(() => ({}), { cwd: dir });
}

async function cpuPer(label: string, pid: number[], n: number, request: (i: number) => Promise<void>, settleMs = 0): Promise<{ label: string; n: number; cpuMsPerRequest: number }> {
  const before = cpuUs(pid);
  for (let i = 0; i < n; i++) await request(i);
  if (settleMs) await new Promise((resolve) => setTimeout(resolve, settleMs));
  const ms = (cpuUs(pid) - before) / 1000 / n;
  console.log(`  ${label}: ${round(ms, 2)} ms CPU per request (n=${n})`);
  return { label, n, cpuMsPerRequest: round(ms, 2) };
}

const cookieOf = (headers: Headers, name: string): string => headers.getSetCookie().find((c) => c.startsWith(`${name}=`))!.split(';')[0]!;
const csrfOf = (html: string): string => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

async function main(): Promise<void> {
  clockTicksPerSecond();
  console.log(`Worker bench: wrangler dev (workerd, local D1), autocannon ${CONNECTIONS} connections, ${SLICE_SECONDS} s slices, ${ROUNDS} rounds; load average ${loadAverage().join(' ')}`);
  // Email through the real Resend SDK to a fake Resend in this process, for the fan-out.
  const resend = await startFakeResend();
  const herald = await startWrangler(() => ({
    HERALD_EDGE_DEBUG: '1',
    EDGE_CACHE_SECONDS: EDGE_SECONDS,
    RESEND_API_KEY: FAKE_RESEND_API_KEY,
    RESEND_BASE_URL: resend.url,
    MAIL_FROM: 'Status <status@example.com>',
    MAIL_RATE_LIMIT: '0',
  }));
  let bare: Wrangler | undefined;
  try {
    const heraldPid = workerdPid(herald.pid);
    const page = await raw(`${herald.base}/`, { 'Accept-Encoding': 'gzip' });
    const headers = Object.fromEntries(Object.entries(page.headers).map(([k, v]) => [k, String(v)]));
    bare = await startBare(page.raw, headers);
    const barePid = workerdPid(bare.pid);
    console.log(`workerd processes: Herald ${heraldPid.join(', ')}; bare ${barePid.join(', ')}`);
    const check = await raw(`${bare.base}/`, { 'Accept-Encoding': 'gzip' });
    if (!check.raw.equals(page.raw)) throw new Error('the bare Worker does not send the same bytes');
    console.log(`/ is ${page.raw.length} bytes gzip (${gzipSync(Buffer.from(page.text)).length} by zlib -6)`);

    // 1. Stampede.
    const slices: Slice[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      for (const target of ['herald', 'bare'] as const) {
        const s = await slice(target, target === 'herald' ? herald : bare, target === 'herald' ? heraldPid : barePid);
        slices.push(s);
        console.log(`  ${target.padEnd(6)} ${String(s.rps).padStart(6)} req/s  p50 ${s.p50} ms  p99 ${s.p99} ms  ${s.cpuUsPerRequest} µs CPU/req` +
          (s.d1PerTenThousand !== undefined ? `  D1 ${s.d1PerTenThousand}/10k  fills ${s.fillsPerTenThousand}/10k` : '') + `  ${JSON.stringify(s.statuses)}`);
      }
    }

    // 3. CPU per request type (sequential, one at a time).
    console.log('CPU per request type (workerd, sequential):');
    const cpu: { label: string; n: number; cpuMsPerRequest: number; emails?: number; answeredMs?: number }[] = [];
    cpu.push(await cpuPer('bare Worker, same bytes', barePid, 400, async () => void (await raw(`${bare!.base}/`, { 'Accept-Encoding': 'gzip' }))));
    cpu.push(await cpuPer('edge-cache hit /', heraldPid, 400, async () => void (await raw(`${herald.base}/`, { 'Accept-Encoding': 'gzip' }))));
    const db = new BetterSqlite3(herald.d1File());
    db.pragma('busy_timeout = 5000');
    const bump = db.prepare("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'revision'");
    // A cookie keeps these off the edge cache; the revision bump makes each one a render.
    cpu.push(await cpuPer('render miss / (edge bypassed, new revision)', heraldPid, 40, async () => {
      bump.run();
      await raw(`${herald.base}/`, { 'Accept-Encoding': 'gzip', Cookie: 'bench=1' });
    }));
    cpu.push(await cpuPer('render miss /history.atom', heraldPid, 40, async () => {
      bump.run();
      await raw(`${herald.base}/history.atom`, { 'Accept-Encoding': 'gzip', Cookie: 'bench=1' });
    }));
    cpu.push(await cpuPer('render-cache hit / (edge bypassed, same revision)', heraldPid, 200, async () => void (await raw(`${herald.base}/`, { 'Accept-Encoding': 'gzip', Cookie: 'bench=1' }))));
    db.close();

    // The owner, a login (PBKDF2), an API token.
    const setupToken = /\/admin\/setup\/([A-Za-z0-9_-]{43})/.exec(herald.output())![1]!;
    const setupPage = await fetch(`${herald.base}/admin/setup/${setupToken}`);
    const created = await fetch(`${herald.base}/admin/setup/${setupToken}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { Cookie: cookieOf(setupPage.headers, 'herald_form'), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrfOf(await setupPage.text()), name: 'Ada', email: 'ada@example.com', password: 'a long enough password' }),
    });
    const session = cookieOf(created.headers, 'herald_session');
    cpu.push(await cpuPer('sign-in (PBKDF2, 600,000 iterations)', heraldPid, 4, async () => {
      const form = await fetch(`${herald.base}/admin/login`);
      const signedIn = await fetch(`${herald.base}/admin/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { Cookie: cookieOf(form.headers, 'herald_form'), 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrfOf(await form.text()), email: 'ada@example.com', password: 'a long enough password' }),
      });
      if (signedIn.status !== 303) throw new Error(`sign-in answered ${signedIn.status}`);
    }));
    const tokensPage = await fetch(`${herald.base}/admin/tokens`, { headers: { Cookie: session } });
    const made = await fetch(`${herald.base}/admin/tokens`, {
      method: 'POST',
      headers: { Cookie: session, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrfOf(await tokensPage.text()), name: 'bench', scope: 'comms' }),
    });
    const apiToken = /hrld_[A-Za-z0-9_-]{43}/.exec(await made.text())![0];
    cpu.push(await cpuPer('publish (declare through /api/v1, no subscribers, after-response work included)', heraldPid, 10, async (i) => {
      const response = await fetch(`${herald.base}/api/v1/incidents`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${apiToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ title: `Bench ${i}`, severity: 3, body: 'Bench.' }),
      });
      if (response.status !== 201) throw new Error(`publish answered ${response.status}`);
      await response.arrayBuffer();
    }, 2_000));
    // A publish with an email fan-out: SUBSCRIBERS confirmed subscribers written into the D1 file,
    // then one notifying SEV-1; CPU until the fake Resend has every email (request drain + cron runs).
    {
      const d1 = new BetterSqlite3(herald.d1File());
      d1.pragma('busy_timeout = 5000');
      const insert = d1.prepare(
        "INSERT INTO subscribers (id, email, status, secret, all_components, source, created_at, updated_at, confirmed_at) VALUES (?, ?, 'confirmed', ?, 1, 'import', ?, ?, ?)",
      );
      const now = Date.now();
      d1.transaction(() => {
        for (let i = 0; i < SUBSCRIBERS; i++) insert.run(`bench${String(i).padStart(7, '0')}`, `reader${i}@example.com`, `secret${i}`.padEnd(43, 'x'), now, now, now);
      })();
      d1.close();
      resend.reset();
      const before = cpuUs(heraldPid);
      const started = Date.now();
      const response = await fetch(`${herald.base}/api/v1/incidents`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${apiToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ title: 'Fan-out bench', severity: 1, body: 'Fan-out.', notify: true }),
      });
      if (response.status !== 201) throw new Error(`publish answered ${response.status}`);
      await response.arrayBuffer();
      const answeredMs = Date.now() - started;
      const until = Date.now() + 120_000;
      while (resend.deliveries.length < SUBSCRIBERS && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        // What the request's drain leaves, the cron sends (every minute on Cloudflare; here at once).
        if (resend.deliveries.length < SUBSCRIBERS) await (await fetch(`${herald.base}/__scheduled?cron=*+*+*+*+*`)).arrayBuffer();
      }
      const ms = (cpuUs(heraldPid) - before) / 1000;
      const line = `publish with fan-out to ${SUBSCRIBERS} subscribers: ${round(ms)} ms CPU in all (${round((ms * 1000) / Math.max(1, resend.deliveries.length))} µs per email), ${resend.deliveries.length} emails in ${round((Date.now() - started) / 1000, 1)} s, response in ${answeredMs} ms`;
      console.log(`  ${line}`);
      cpu.push({ label: `publish with fan-out to ${SUBSCRIBERS} subscribers (all emails sent)`, n: 1, cpuMsPerRequest: round(ms), emails: resend.deliveries.length, answeredMs });
    }
    cpu.push(await cpuPer('cron tick (/__scheduled, nothing queued)', heraldPid, 10, async () => void (await (await fetch(`${herald.base}/__scheduled?cron=*+*+*+*+*`)).arrayBuffer())));

    // 2. Freshness after a publish, for an anonymous reader of `/` in this colo.
    const fresh = [];
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const title = `Freshness ${i} ${Date.now()}`;
      const response = await fetch(`${herald.base}/api/v1/incidents`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${apiToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ title, severity: 3, body: 'Freshness.' }),
      });
      await response.arrayBuffer();
      const answeredAt = Date.now();
      for (;;) {
        const page = await raw(`${herald.base}/`, { 'Accept-Encoding': 'gzip' });
        if (page.text.includes(title)) break;
        if (Date.now() - answeredAt > 30_000) throw new Error('the publish never showed');
      }
      fresh.push(Date.now() - answeredAt);
    }
    console.log(`Freshness in the publishing colo (ms after the publish's response): ${fresh.join(', ')}`);

    const final = await stats(herald.base);
    writeResults(OUT, { machine: machineFacts(), loadAverage: loadAverage(), settings: { CONNECTIONS, SLICE_SECONDS, ROUNDS, EDGE_SECONDS }, slices, cpu, freshnessMs: fresh, final });
    const h = slices.filter((s) => s.target === 'herald');
    const b = slices.filter((s) => s.target === 'bare');
    const sum = (xs: Slice[], f: (s: Slice) => number): number => xs.reduce((t, s) => t + f(s), 0) / xs.length;
    console.log(`Herald / bare: req/s ${round(sum(h, (s) => s.rps) / sum(b, (s) => s.rps), 2)}, p99 ${round(sum(h, (s) => s.p99), 1)} vs ${round(sum(b, (s) => s.p99), 1)} ms`);
    console.log(`Results: ${OUT}`);
  } finally {
    await bare?.stop();
    await herald.stop();
    await resend.close();
  }
}

await main();
