// The printed report of `npm run bench`: Herald against its ceilings, the
// same endpoints while publishing, freshness, and the budgets.
import { cores } from '../lib/format.js';
import { markdownTable } from '../lib/table.js';
import type { Verdict } from './budgets.js';
import { codes, ms, percent } from './format.js';
import { AFTER_PUBLISH_MS, PUBLISH_EVERY_MS } from './settings.js';
import type { Comparison, Freshness, Measured } from './summarize.js';

function quietTable(comparisons: Comparison[]): string {
  return markdownTable(
    ['scenario', 'req/s', '±', 'p50 ms', 'p99 ms', 'max ms', 'new conn. p50 / max', 'bytes/resp', 'of ceiling', 'server µs/req', 'of ceiling (CPU)', 'server loop busy', 'load gen. cores', 'other cores', 'status codes'],
    comparisons.flatMap((c) =>
      [c.herald, c.ceiling].map((m) => [
        m.name,
        String(m.requestsPerSecond),
        String(m.requestsPerSecondStddev),
        ms(m.latencyMs.p50),
        ms(m.latencyMs.p99),
        ms(m.latencyMs.max),
        `${m.firstOnConnectionMs.p50.toFixed(0)} / ${m.firstOnConnectionMs.max.toFixed(0)}`,
        String(m.bytesPerResponse),
        m === c.herald ? percent(c.byRps) : '',
        m.cpu.serverUsPerRequest.toFixed(0),
        m === c.herald ? percent(c.byCpu) : '',
        percent(m.cpu.serverLoopBusy),
        cores(m.cpu.loadGeneratorCores),
        cores(m.cpu.otherCores),
        codes(m),
      ]),
    ),
    [0, 14],
  );
}

function publishingTable(pairs: { quiet: Measured; publishing: Measured }[]): string {
  const arrow = (a: string, b: string): string => `${a} → ${b}`;
  return markdownTable(
    ['endpoint', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'new conn. p50 / max', `p99 ≤ ${AFTER_PUBLISH_MS} ms after a publish / other times`, 'server µs/req', 'server loop busy', 'other cores', 'status codes'],
    pairs.map(({ quiet, publishing: p }) => [
      quiet.path,
      arrow(String(quiet.requestsPerSecond), String(p.requestsPerSecond)),
      arrow(ms(quiet.latencyMs.p50), ms(p.latencyMs.p50)),
      arrow(ms(quiet.latencyMs.p99), ms(p.latencyMs.p99)),
      arrow(ms(quiet.latencyMs.max), ms(p.latencyMs.max)),
      `${p.firstOnConnectionMs.p50.toFixed(0)} / ${p.firstOnConnectionMs.max.toFixed(0)}`,
      `${ms(p.afterPublish!.p99)} / ${ms(p.otherwise!.p99)}`,
      arrow(quiet.cpu.serverUsPerRequest.toFixed(0), p.cpu.serverUsPerRequest.toFixed(0)),
      percent(p.cpu.serverLoopBusy),
      cores(p.cpu.otherCores),
      codes(p),
    ]),
    [0, 10],
  );
}

function verdictTable(verdicts: Verdict[]): string {
  return markdownTable(
    ['budget', 'subject', 'measured', 'result'],
    verdicts.map((v) => [v.budget, v.subject, v.value, v.pass ? 'PASS' : 'FAIL']),
    [0, 1, 2, 3],
  );
}

export interface Report {
  connections: number;
  comparisons: Comparison[];
  /** Herald's endpoints while publishing, in the order of `comparisons`. */
  publishing: Measured[];
  publishes: number;
  failures: number;
  fresh: Freshness;
  pollerCores: number;
  verdicts: Verdict[];
}

export function printReport(r: Report): void {
  console.log(`\nQuiet: Herald against the ceiling (a bare Hono route returning the same bytes as a constant, re-read from Herald every round)\n\n${quietTable(r.comparisons)}`);
  console.log(
    `\n"new conn.": the first response on each of the ${r.connections} connections opened per slice, left out of p50/p99/max ` +
      `(a saturated Node server makes new connections wait; see bench/README.md).`,
  );
  console.log(
    `\nPublishing an update every ${PUBLISH_EVERY_MS} ms (${r.publishes} published, ${r.failures} failed); quiet → publishing\n\n` +
      publishingTable(r.comparisons.map((c) => ({ quiet: c.herald, publishing: r.publishing.find((m) => m.path === c.path)! }))),
  );
  const { fresh } = r;
  console.log(
    `\nFreshness of / under load: ${fresh.seen} of ${fresh.publishes} updates seen` +
      (fresh.ms ? `, publish → visible p50 ${fresh.ms.p50} ms, p99 ${fresh.ms.p99} ms, max ${fresh.ms.max} ms` : '') +
      `; the poller's ${fresh.pollMs.count} reloads took p50 ${fresh.pollMs.p50} ms, p99 ${fresh.pollMs.p99} ms (it used ${r.pollerCores.toFixed(2)} cores).`,
  );
  console.log(`\nBudgets (issue 6)\n\n${verdictTable(r.verdicts)}\n`);
  console.log(`${r.verdicts.filter((v) => v.pass).length} of ${r.verdicts.length} budgets pass.`);
  const noisy = [...r.comparisons.flatMap((c) => [c.herald, c.ceiling]), ...r.publishing].filter((m) => (m.cpu.otherCores ?? 0) >= 0.25).map((m) => m.name);
  if (noisy.length) console.log(`Note: other processes (the poller included) used ≥ 0.25 cores during ${noisy.join(', ')}: a noisy machine.`);
}
