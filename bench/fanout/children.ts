// The fan-out benchmark's two kinds of child: the fake Resend (a bench
// script, over IPC) and Herald itself, started as `npm start` starts it.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envWithout, HERALD_VARIABLES } from '../lib/env.js';
import { IpcChild } from '../lib/ipc.js';
import type { Lifetime, Stoppable } from '../lib/lifetime.js';
import { BENCH_DIR, ROOT } from '../lib/paths.js';
import { sleep } from '../lib/time.js';
import type { FakeCommand, FakeMessage, FakeStats } from './fake-resend-child.js';

export const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

/** The caller's environment without anything Herald's config reads, mail and Node flags included. */
export function inheritedEnv(): NodeJS.ProcessEnv {
  return envWithout(process.env, [...HERALD_VARIABLES, 'RESEND_*', 'MAIL_*', 'NODE_OPTIONS']);
}

/** The fake Resend of the tests, in a child process of its own (bench/fanout/fake-resend-child.ts). */
export class FakeResendChild extends IpcChild<FakeCommand, FakeMessage> {
  constructor() {
    super('fake Resend', join(BENCH_DIR, 'fanout', 'fake-resend-child.ts'), { ...inheritedEnv(), FANOUT_FAKE_LATENCY_MS: '0' });
  }

  /** Herald's process groups, for the fake to kill should this process die without cleaning up. */
  guard(groups: number[]): void {
    this.tell({ type: 'guard', groups });
  }

  stats(): Promise<FakeStats> {
    return this.ask({ type: 'stats' }, 'stats');
  }
}

export interface HeraldChild extends Stoppable {
  url: string;
  /** The tsx wrapper we started (leader of its own process group). */
  wrapperPid: number;
  /** The node process that runs Herald (the wrapper's child). */
  nodePid: number;
  output(): string;
}

/** Direct children of a process. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** How Herald is started: its environment, the URL it serves, flags for its node process. */
export interface HeraldLaunch {
  env: NodeJS.ProcessEnv;
  url: string;
  nodeFlags: string[];
}

/** Starts `tsx src/entry/node.ts` in a process group of its own and waits until Herald listens; `fake` (any child with `guard`) kills the group should this process die. */
export async function startHerald(lifetime: Lifetime, fake: Pick<FakeResendChild, 'guard'>, launch: HeraldLaunch): Promise<HeraldChild> {
  const { env, url, nodeFlags } = launch;
  // tsx hands flags before the script to the node process it starts.
  const child = spawn(TSX, [...nodeFlags, 'src/entry/node.ts'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (chunk: Buffer): void => {
    out = (out + chunk.toString()).slice(-64_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // Already gone.
    }
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => killGroup('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  lifetime.adopt({ stop, kill: () => killGroup('SIGKILL') });
  const started = Date.now();
  while (!/Herald is running at /.test(out)) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`Herald exited during start-up:\n${out}`);
    if (Date.now() - started > 60_000) throw new Error(`Herald did not start within 60 s:\n${out}`);
    await sleep(50);
  }
  const nodePid = childrenOf(child.pid!)[0];
  if (!nodePid) throw new Error('could not find the node process under the tsx wrapper');
  fake.guard([child.pid!]);
  return { url, wrapperPid: child.pid!, nodePid, output: () => out, stop, kill: () => killGroup('SIGKILL') };
}
