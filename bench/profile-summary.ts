// `npx tsx bench/profile-summary.ts bench/results/profiles/herald.cpuprofile [more...]`
// Summarizes V8 CPU profiles written by `BENCH_PROFILE=1 npm run bench`:
// self time by area (Herald's code, each package, Node internals, GC, idle)
// and the functions with the most self time, plus the inclusive time of a few
// frames of interest on the per-request path.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { profileArea } from './profile-area.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const TOP = Number(process.env.TOP || 25);

/** Inclusive time of these functions (by name) shows what a whole step costs. */
const FRAMES_OF_INTEREST = [
  'sendCached',
  'revision',
  'getMeta',
  'etagMatches',
  'responseViaCache',
  'buildOutgoingHttpHeaders',
  'newHeadersFromIncoming',
  'prepareQuery',
  'prepare',
  'writeHead',
  'end',
  'byteLength',
  'dispatch',
  'compose',
  'newRequestFromIncoming',
  'getRequestListener',
];

function summarize(path: string): void {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const idleIds = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  const idle = [...idleIds].reduce((sum, id) => sum + (self.get(id) ?? 0), 0);
  const busy = total - idle;

  const ms = (us: number): string => `${(us / 1000).toFixed(0)} ms`;
  const share = (us: number): string => `${((us / busy) * 100).toFixed(1)}%`;
  console.log(`\n${basename(path)}: ${ms(total)} profiled, ${ms(busy)} busy (${((busy / total) * 100).toFixed(0)}%), shares below are of busy time`);

  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, us] of self) {
    if (idleIds.has(id)) continue;
    const frame = byId.get(id)!.callFrame;
    const a = profileArea(frame);
    areas.set(a, (areas.get(a) ?? 0) + us);
    const key = `${frame.functionName || '(anonymous)'}  [${a}${frame.url ? `:${frame.lineNumber + 1}` : ''}]`;
    functions.set(key, (functions.get(key) ?? 0) + us);
  }
  console.log('\n  Self time by area:');
  for (const [name, us] of [...areas].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    console.log(`    ${share(us).padStart(6)}  ${name}`);
  }
  console.log(`\n  Top ${TOP} functions by self time:`);
  for (const [name, us] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
    console.log(`    ${share(us).padStart(6)}  ${name}`);
  }

  // Inclusive time: a sample counts for a function if it appears anywhere on the stack (once per sample).
  const inclusive = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const seen = new Set<string>();
    for (let id: number | undefined = profile.samples[i]; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      if (!FRAMES_OF_INTEREST.includes(frame.functionName)) continue;
      const key = `${frame.functionName}  [${profileArea(frame)}]`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
    }
  }
  console.log('\n  Inclusive time of frames on the request path:');
  for (const [name, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, 20)) {
    console.log(`    ${share(us).padStart(6)}  ${name}`);
  }
}

const files = process.argv.slice(2);
if (!files.length) {
  console.error('usage: npx tsx bench/profile-summary.ts <file.cpuprofile> [...]');
  process.exit(2);
}
for (const file of files) summarize(file);
