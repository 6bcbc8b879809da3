// CPU time from /proc (Linux): of one process, of every process, and of the
// whole machine. Elsewhere the readers return null (or nothing) and the
// reports say n/a.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

let ticks: number | undefined;
/**
 * The unit of /proc's CPU times (getconf CLK_TCK; 100 where that fails).
 * Cached: the first call runs getconf, a child whose CPU time then counts
 * among this process's children's, so call it before reading a baseline.
 */
export function clockTicksPerSecond(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

export interface ProcessCpu {
  /** The command name. */
  name: string;
  /** utime + stime, µs. */
  ownUs: number;
  /** cutime + cstime: its children that have ended and been waited for, µs. */
  childrenUs: number;
}

/** A process's CPU time from /proc/<pid>/stat; null when it is gone (or off Linux). */
export function processCpu(pid: number | 'self'): ProcessCpu | null {
  try {
    const hz = clockTicksPerSecond();
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    // There, state (field 3 of proc(5)) is index 0, so utime/stime are 11/12 and cutime/cstime 13/14.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const us = (a: number, b: number): number => ((Number(fields[a]) + Number(fields[b])) * 1e6) / hz;
    return { name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), ownUs: us(11, 12), childrenUs: us(13, 14) };
  } catch {
    return null;
  }
}

/** utime + stime of one process in µs; null when it is gone. */
export function processCpuUs(pid: number | undefined): number | null {
  return pid ? (processCpu(pid)?.ownUs ?? null) : null;
}

/** CPU time (µs) of every process on the machine, by pid, with its command name. */
export function everyProcessCpu(): Map<number, { name: string; us: number }> {
  const result = new Map<number, { name: string; us: number }>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return result;
  }
  for (const entry of entries) {
    const cpu = processCpu(Number(entry)); // null: gone meanwhile
    if (cpu) result.set(Number(entry), { name: cpu.name, us: cpu.ownUs });
  }
  return result;
}

export interface MachineTicks {
  busy: number;
  steal: number;
  total: number;
}

/** Machine-wide busy, steal and total CPU ticks from /proc/stat; null elsewhere. */
export function machineTicks(): MachineTicks | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
    const busy = user! + nice! + system! + irq! + softirq!;
    return { busy, steal: steal!, total: busy + idle! + iowait! + steal! };
  } catch {
    return null;
  }
}

/** Cores busy (and stolen by the hypervisor) on average between two readings; null without both. */
export function machineCoresBetween(before: MachineTicks | null, after: MachineTicks | null): { busy: number; steal: number } | null {
  if (!before || !after || after.total <= before.total) return null;
  const ticks = after.total - before.total;
  return { busy: ((after.busy - before.busy) / ticks) * cpus().length, steal: ((after.steal - before.steal) / ticks) * cpus().length };
}
