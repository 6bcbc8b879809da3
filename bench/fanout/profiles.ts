// V8 CPU profiles of the fan-out benchmark (FANOUT_PROFILE=1): Herald's own
// (tsx --cpu-prof) and the in-process drain's, summarized for the windows
// that matter (a drain, the publish request, the longest pause of `/`).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { largest, Profile, profileArea, profileTimes } from '../lib/cpuprofile.js';
import { fmt } from '../lib/format.js';
import { round } from '../lib/stats.js';

export interface ProfileWindow {
  label: string;
  busyMs: number;
  idleMs: number;
  /** Self time by area (Herald's folders, each package, GC, native), ms. */
  areas: [string, number][];
  /** Inclusive time of the functions that make up a drain and a publish, ms. */
  frames: [string, number][];
  /** The functions with the most self time, ms. */
  top: [string, number][];
}

/** Inclusive time of these functions (by name) shows what each step of a drain or a publish costs. */
const PROFILE_FRAMES = [
  'drain',
  'compose',
  'composeUpdateEmail',
  'renderMarkdown',
  'markdownToText',
  'styleMarkdownHtml',
  'context',
  'finish',
  'tidyText',
  'render',
  'sendBatch',
  'record',
  'nextBatch',
  'findByIds',
  'atomic',
  'declareIncident',
  'postUpdate',
  'sendCached',
  'gc',
];

/** Self time by area and inclusive time of PROFILE_FRAMES, for the samples in [fromUs, toUs] (monotonic µs, V8's clock). */
export function summarizeProfile(path: string, label: string, fromUs = -Infinity, toUs = Infinity): ProfileWindow {
  const times = profileTimes(Profile.read(path), {
    frames: PROFILE_FRAMES,
    functionKey: (frame, area) => {
      const fn = frame.functionName || '(anonymous)';
      return `${fn.length > 60 ? `${fn.slice(0, 57)}...` : fn} [${area.startsWith('native: RegExp') ? 'native' : area}${frame.url ? `:${frame.lineNumber + 1}` : ''}]`;
    },
    frameKey: (frame) => `${frame.functionName} [${profileArea(frame)}]`,
    fromUs,
    toUs,
  });
  const ms = (entries: Map<string, number>, count: number): [string, number][] => largest(entries, count).map(([name, us]) => [name, round(us / 1000, 1)]);
  return {
    label,
    busyMs: round(times.busyUs / 1000),
    idleMs: round(times.idleUs / 1000),
    areas: ms(times.areas, 12),
    frames: ms(times.inclusive, 30),
    top: ms(times.functions, 12),
  };
}

export function printProfile(window: ProfileWindow): void {
  console.log(`\n${window.label}: ${fmt(window.busyMs)} ms busy, ${fmt(window.idleMs)} ms idle`);
  const share = (value: number): string => `${fmt((100 * value) / Math.max(1, window.busyMs), 1)}%`.padStart(6);
  console.log('  self time by area:');
  for (const [name, value] of window.areas) console.log(`    ${share(value)}  ${fmt(value, 0).padStart(6)} ms  ${name}`);
  console.log('  inclusive time:');
  for (const [name, value] of window.frames) console.log(`    ${share(value)}  ${fmt(value, 0).padStart(6)} ms  ${name}`);
  console.log('  top functions by self time:');
  for (const [name, value] of window.top) console.log(`    ${share(value)}  ${fmt(value, 0).padStart(6)} ms  ${name}`);
}

/** Date.now() → the monotonic clock of V8's profiles (µs), shared by every process on the machine. */
const MONO_OFFSET_MS = Date.now() - Number(process.hrtime.bigint() / 1000n) / 1000;
export const monoUs = (dateMs: number): number => (dateMs - MONO_OFFSET_MS) * 1000;

/** The profile `node --cpu-prof` wrote into `dir` for the main thread of `pid`; null if none. */
export function profileOfProcess(dir: string, pid: number): string | null {
  const file = readdirSync(dir).find((name) => name.includes(`.${pid}.0.`));
  return file ? join(dir, file) : null;
}
