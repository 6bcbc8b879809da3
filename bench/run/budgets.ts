// The verdicts: each budget of issue 6, PASS or FAIL, with what was measured.
import { codes, ms, percent } from './format.js';
import type { PageFacts } from './page-facts.js';
import { BUDGET, ENDPOINTS } from './settings.js';
import type { Comparison, Freshness, Measured } from './summarize.js';

export interface Verdict {
  budget: string;
  subject: string;
  value: string;
  pass: boolean;
}

export interface Outcome {
  connections: number;
  comparisons: Comparison[];
  /** Herald's endpoints while publishing. */
  publishing: Measured[];
  fresh: Freshness;
  publishes: number;
  failures: string[];
  page: PageFacts;
  pageAfter: PageFacts;
}

export function checkBudgets(o: Outcome): Verdict[] {
  const verdicts: Verdict[] = [];
  for (const c of o.comparisons.filter((c) => ENDPOINTS.find((e) => e.path === c.path)!.ceilingBudget)) {
    verdicts.push({
      budget: `≥ ${BUDGET.ofCeiling * 100}% of the ceiling (req/s and server CPU/req)`,
      subject: c.path,
      value: `${percent(c.byRps)} by req/s, ${percent(c.byCpu)} by server CPU/req`,
      pass: c.byRps >= BUDGET.ofCeiling && c.byCpu >= BUDGET.ofCeiling,
    });
  }
  const clean = (m: Measured): boolean => m.errors === 0 && m.timeouts === 0 && Object.keys(m.statusCodes).every((code) => code === '200');
  // A p99 needs at least 100 samples (responses after the first on each connection).
  const enough = (m: Measured): boolean => m.latencyMs.samples >= 100;
  for (const m of [...o.comparisons.map((c) => c.herald), ...o.publishing]) {
    const ceiling = o.comparisons.find((c) => c.path === m.path)!.ceiling;
    verdicts.push({
      budget: `p99 < ${BUDGET.p99Ms} ms at ${o.connections} connections`,
      subject: `${m.path}, ${m.phase}`,
      value:
        `${ms(m.latencyMs.p99)} ms (ceiling ${ms(ceiling.latencyMs.p99)} ms)` +
        (clean(m) ? '' : `; not all 200: ${codes(m)}`) +
        (enough(m) ? '' : `; only ${m.latencyMs.samples} responses after the first on each connection`),
      pass: m.latencyMs.p99 < BUDGET.p99Ms && clean(m) && enough(m),
    });
  }
  for (const p of o.publishing) {
    const q = o.comparisons.find((c) => c.path === p.path)!.herald;
    verdicts.push({
      budget: `no latency cliff: p99 publishing ≤ ${BUDGET.cliffFactor}× quiet`,
      subject: p.path,
      value: `${ms(p.latencyMs.p99)} vs ${ms(q.latencyMs.p99)} ms (${(p.latencyMs.p99 / q.latencyMs.p99).toFixed(2)}×)`,
      pass: p.latencyMs.p99 <= BUDGET.cliffFactor * q.latencyMs.p99 && enough(p) && enough(q),
    });
  }
  const { fresh, failures } = o;
  verdicts.push({
    budget: `freshness ≤ ${BUDGET.freshnessMs} ms (publish → visible on /)`,
    subject: '/, under load',
    value: fresh.ms
      ? `max ${fresh.ms.max} ms, p50 ${fresh.ms.p50} ms; ${fresh.seen} of ${fresh.publishes} seen${failures.length ? `, ${failures.length} publishes failed` : ''}`
      : `none of ${fresh.publishes} publishes seen`,
    pass: fresh.publishes > 0 && fresh.seen === fresh.publishes && (fresh.ms?.max ?? Infinity) <= BUDGET.freshnessMs && failures.length === 0,
  });
  for (const [subject, facts] of [
    ['/, as seeded', o.page],
    [`/, after ${o.publishes} more updates`, o.pageAfter],
  ] as const) {
    verdicts.push({
      budget: `compressed / ≤ ${BUDGET.compressedPageBytes} bytes`,
      subject,
      value: `${facts.br.encoding ?? 'identity'} ${facts.br.body} bytes (${facts.br.response} with headers); ${facts.gzip.encoding ?? 'identity'} ${facts.gzip.body}`,
      pass: Boolean(facts.br.encoding) && Math.max(facts.br.body, facts.gzip.body) <= BUDGET.compressedPageBytes,
    });
  }
  const { page } = o;
  verdicts.push({
    budget: 'no JavaScript needed to read /',
    subject: '/, as seeded',
    value:
      `${page.scripts} <script>, ${page.inlineHandlers} inline handlers; ` +
      (page.missingText.length ? `missing from the HTML: ${page.missingText.join('; ')}` : 'every component, the open incident and its latest update are in the HTML'),
    pass: page.scripts === 0 && page.inlineHandlers === 0 && page.missingText.length === 0,
  });
  return verdicts;
}
