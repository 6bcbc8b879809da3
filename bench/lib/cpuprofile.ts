// Reading V8 CPU profiles (.cpuprofile), for bench/profile-summary.ts and
// the fan-out benchmark's profile windows: which part of the stack each
// sample belongs to, and how much time it stands for.
import { readFileSync } from 'node:fs';

export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

export interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Which part of the stack a frame belongs to: Herald's folder, a package, Node, GC, idle, native. */
export function profileArea(frame: { url: string; functionName: string }): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(program)') return 'V8/native (program)';
    return functionName.startsWith('RegExp:') ? 'native: RegExp' : `native: ${functionName || '(anonymous)'}`;
  }
  if (url.startsWith('node:')) return `node: ${url.slice(5).split('/')[0]}`;
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 14).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const src = url.indexOf('/src/');
  if (src >= 0) return `herald ${url.slice(src + 1).split('/').slice(0, 2).join('/')}`;
  const bench = url.indexOf('/bench/');
  if (bench >= 0) return `bench ${url.slice(bench + 1)}`;
  return url;
}

export interface Sample {
  /** The frame the sample was taken in (the top of its stack). */
  node: ProfileNode;
  /** The time it stands for (its time delta), µs. */
  us: number;
  /** When it was taken, on V8's monotonic clock (µs). */
  atUs: number;
}

/** A profile read from disk, with its call tree indexed both ways. */
export class Profile {
  private readonly byId: Map<number, ProfileNode>;
  private readonly parent = new Map<number, number>();

  constructor(readonly data: CpuProfile) {
    this.byId = new Map(data.nodes.map((node) => [node.id, node]));
    for (const node of data.nodes) for (const child of node.children ?? []) this.parent.set(child, node.id);
  }

  static read(path: string): Profile {
    return new Profile(JSON.parse(readFileSync(path, 'utf8')) as CpuProfile);
  }

  /** Every sample, in order; within [fromUs, toUs] of V8's clock when given. */
  *samples(fromUs = -Infinity, toUs = Infinity): Generator<Sample> {
    let atUs = this.data.startTime;
    for (let i = 0; i < this.data.samples.length; i++) {
      const us = this.data.timeDeltas[i] ?? 0;
      atUs += us;
      if (atUs < fromUs || atUs > toUs) continue;
      yield { node: this.byId.get(this.data.samples[i]!)!, us, atUs };
    }
  }

  /** The frames of a sample's stack, from its own up to the root. */
  *stack(node: ProfileNode): Generator<CallFrame> {
    for (let id: number | undefined = node.id; id !== undefined; id = this.parent.get(id)) yield this.byId.get(id)!.callFrame;
  }

  /**
   * Adds a sample's time to each function of `names` on its stack (inclusive
   * time), once per sample for each `key` however deep the recursion.
   */
  addInclusive(into: Map<string, number>, sample: Sample, names: readonly string[], key: (frame: CallFrame) => string): void {
    const seen = new Set<string>();
    for (const frame of this.stack(sample.node)) {
      if (!names.includes(frame.functionName)) continue;
      const k = key(frame);
      if (seen.has(k)) continue;
      seen.add(k);
      into.set(k, (into.get(k) ?? 0) + sample.us);
    }
  }
}

export interface TimesOptions {
  /** Functions (by name) whose inclusive time is wanted. */
  frames: readonly string[];
  /** How a function is named in `functions` (self time), given its area. */
  functionKey(frame: CallFrame, area: string): string;
  /** How a function of `frames` is named in `inclusive`. */
  frameKey(frame: CallFrame): string;
  /** Only the samples in [fromUs, toUs] of V8's clock. */
  fromUs?: number;
  toUs?: number;
}

export interface ProfileTimes {
  busyUs: number;
  idleUs: number;
  /** Self time (µs) by area, and by function; idle left out. */
  areas: Map<string, number>;
  functions: Map<string, number>;
  /** Inclusive time (µs) of the functions of `frames`: a sample counts once for each found anywhere on its stack. */
  inclusive: Map<string, number>;
}

/** Where a profile's time went: busy and idle, self time by area and by function, inclusive time of chosen functions. */
export function profileTimes(profile: Profile, options: TimesOptions): ProfileTimes {
  const times: ProfileTimes = { busyUs: 0, idleUs: 0, areas: new Map(), functions: new Map(), inclusive: new Map() };
  for (const sample of profile.samples(options.fromUs, options.toUs)) {
    const frame = sample.node.callFrame;
    const area = profileArea(frame);
    if (area === 'idle') {
      times.idleUs += sample.us;
      continue;
    }
    times.busyUs += sample.us;
    addTo(times.areas, area, sample.us);
    addTo(times.functions, options.functionKey(frame, area), sample.us);
    profile.addInclusive(times.inclusive, sample, options.frames, options.frameKey);
  }
  return times;
}

/** Adds `us` to `key`. */
function addTo(into: Map<string, number>, key: string, us: number): void {
  into.set(key, (into.get(key) ?? 0) + us);
}

/** The `count` largest entries, largest first. */
export function largest(entries: Map<string, number>, count: number): [string, number][] {
  return [...entries].sort((a, b) => b[1] - a[1]).slice(0, count);
}
