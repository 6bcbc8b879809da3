// Memory of a process from /proc (Linux): its RSS now and its peak.
import { readFileSync, writeFileSync } from 'node:fs';

/** VmRSS and VmHWM (peak RSS since start or the last reset), in kB; null when it is gone. */
export function processMemory(pid: number | undefined): { rssKb: number; hwmKb: number } | null {
  if (!pid) return null;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rssKb: field('VmRSS'), hwmKb: field('VmHWM') };
  } catch {
    return null;
  }
}

/** Resets VmHWM to the current RSS (Linux ≥ 4.0, own processes); false when it cannot. */
export function resetPeakMemory(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}
