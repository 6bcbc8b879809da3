// `npx tsx bench/profile-summary.ts bench/results/profiles/herald.cpuprofile [more...]`
// Summarizes V8 CPU profiles written by `BENCH_PROFILE=1 npm run bench`:
// self time by area (Herald's code, each package, Node internals, GC, idle)
// and the functions with the most self time, plus the inclusive time of a few
// frames of interest on the per-request path.
import { basename } from 'node:path';
import { largest, Profile, profileArea, profileTimes } from './lib/cpuprofile.js';

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
  const times = profileTimes(Profile.read(path), {
    frames: FRAMES_OF_INTEREST,
    functionKey: (frame, area) => `${frame.functionName || '(anonymous)'}  [${area}${frame.url ? `:${frame.lineNumber + 1}` : ''}]`,
    frameKey: (frame) => `${frame.functionName}  [${profileArea(frame)}]`,
  });
  const busy = times.busyUs;
  const total = busy + times.idleUs;

  const ms = (us: number): string => `${(us / 1000).toFixed(0)} ms`;
  const share = (us: number): string => `${((us / busy) * 100).toFixed(1)}%`;
  const list = (title: string, entries: Map<string, number>, count: number): void => {
    console.log(`\n  ${title}:`);
    for (const [name, us] of largest(entries, count)) console.log(`    ${share(us).padStart(6)}  ${name}`);
  };
  console.log(`\n${basename(path)}: ${ms(total)} profiled, ${ms(busy)} busy (${((busy / total) * 100).toFixed(0)}%), shares below are of busy time`);
  list('Self time by area', times.areas, 15);
  list(`Top ${TOP} functions by self time`, times.functions, TOP);
  list('Inclusive time of frames on the request path', times.inclusive, 20);
}

const files = process.argv.slice(2);
if (!files.length) {
  console.error('usage: npx tsx bench/profile-summary.ts <file.cpuprofile> [...]');
  process.exit(2);
}
for (const file of files) summarize(file);
