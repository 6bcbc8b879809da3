// What a result was measured on: which code, which machine, how busy it was.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { arch, cpus, loadavg, release, totalmem } from 'node:os';
import { ROOT } from './paths.js';
import { round } from './stats.js';

export interface GitState {
  commit: string | null;
  /** The commit as `git rev-parse --short` prints it. */
  shortCommit: string | null;
  /** Files under `paths` that differ from the commit (work in progress). */
  modified: string[];
}

/** The commit measured and the uncommitted files under `paths`. Read-only git; nulls outside a checkout. */
export function gitState(paths: readonly string[]): GitState {
  try {
    const git = (args: string[]): string =>
      execFileSync('git', ['--no-optional-locks', ...args], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const modified = git(['status', '--porcelain', '--', ...paths])
      .split('\n')
      .filter(Boolean)
      .map((line) => line.slice(3));
    const [commit, shortCommit] = git(['rev-parse', 'HEAD', '--short', 'HEAD']).trim().split('\n');
    return { commit: commit ?? null, shortCommit: shortCommit ?? null, modified };
  } catch {
    return { commit: null, shortCommit: null, modified: [] };
  }
}

export interface MachineFacts {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  os: string;
  node: string;
}

export function machineFacts(): MachineFacts {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model ?? 'unknown',
    memoryGb: round(totalmem() / 2 ** 30, 1),
    os: `${process.platform} ${release()} ${arch()}`,
    node: process.version,
  };
}

/** The 1, 5 and 15-minute load averages, to two decimals. */
export function loadAverage(): number[] {
  return loadavg().map((v) => round(v, 2));
}

/** Writes a run's results as indented JSON, creating the folder. */
export function writeResults(path: string, results: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
}
