// Resource accounting per phase of the fan-out benchmark: the CPU of Herald,
// its tsx wrapper, the fake and this process, everyone else on the machine,
// and peak memory (VmHWM, reset at the start of the phase).
import { everyProcessCpu, machineCoresBetween, machineTicks, processCpuUs } from '../lib/cpu.js';
import { processMemory, resetPeakMemory } from '../lib/memory.js';
import { loadAverage } from '../lib/provenance.js';
import { round } from '../lib/stats.js';

export interface Pids {
  herald?: number;
  wrapper?: number;
  fake?: number;
}

export interface PhaseUsage {
  wallMs: number;
  /** Cores used (1.0 = one core busy for the whole phase). */
  cores: { herald: number | null; wrapper: number | null; fake: number | null; bench: number; other: number | null; steal: number | null };
  /** Herald's CPU time in the phase, ms (to divide by emails or requests). */
  heraldCpuMs: number | null;
  /** Peak RSS in the phase, kB: VmHWM after a reset at the start (exact), or the highest 100 ms sample. */
  peakKb: { herald: number | null; wrapper: number | null; fake: number | null; bench: number };
  peakMethod: 'VmHWM' | 'sampled';
  /** Herald's RSS every 0.5 s of the phase, MB. */
  heraldRssMb: number[];
  /** The busiest other processes in the phase (cores), to name whoever shared the machine. */
  others: { name: string; cores: number }[];
  loadAvg: { start: number[]; end: number[] };
}

export class Phase {
  private readonly t0 = performance.now();
  private readonly cpu0: Record<keyof Pids, number | null>;
  private readonly self0 = process.cpuUsage();
  private readonly machine0 = machineTicks();
  private readonly load0 = loadAverage();
  private readonly processes0 = everyProcessCpu();
  private readonly sampled: Record<string, number> = {};
  private readonly heraldRssMb: number[] = [];
  private samples = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly exact: boolean;

  constructor(private readonly pids: Pids) {
    this.cpu0 = { herald: processCpuUs(pids.herald), wrapper: processCpuUs(pids.wrapper), fake: processCpuUs(pids.fake) };
    const all = [pids.herald, pids.wrapper, pids.fake, process.pid].filter((p): p is number => p !== undefined);
    this.exact = all.map((pid) => resetPeakMemory(pid)).every(Boolean);
    const sample = (): void => {
      for (const [name, pid] of [...Object.entries(pids), ['bench', process.pid] as const]) {
        const rss = processMemory(pid)?.rssKb ?? 0;
        this.sampled[name] = Math.max(this.sampled[name] ?? 0, rss);
      }
      if (this.samples++ % 5 === 0) this.heraldRssMb.push(round((processMemory(pids.herald)?.rssKb ?? 0) / 1024));
    };
    sample();
    this.timer = setInterval(sample, 100);
  }

  /** Other processes' CPU in the phase, summed by command name (processes that ended meanwhile are not seen). */
  private others(wallMs: number): { name: string; cores: number }[] {
    const ours = new Set([this.pids.herald, this.pids.wrapper, this.pids.fake, process.pid]);
    const byName = new Map<string, number>();
    for (const [pid, now] of everyProcessCpu()) {
      if (ours.has(pid)) continue;
      const used = now.us - (this.processes0.get(pid)?.us ?? 0);
      if (used > 0) byName.set(now.name, (byName.get(now.name) ?? 0) + used);
    }
    return [...byName]
      .map(([name, us]) => ({ name, cores: round(us / 1000 / wallMs, 2) }))
      .filter((entry) => entry.cores >= 0.02)
      .sort((a, b) => b.cores - a.cores)
      .slice(0, 5);
  }

  end(): PhaseUsage {
    clearInterval(this.timer);
    const wallMs = performance.now() - this.t0;
    const machine1 = machineTicks();
    const self = process.cpuUsage(this.self0);
    const cores = (name: keyof Pids): number | null => {
      const before = this.cpu0[name];
      const after = processCpuUs(this.pids[name]);
      return before === null || after === null ? null : (after - before) / 1000 / wallMs;
    };
    const herald = cores('herald');
    const wrapper = cores('wrapper');
    const fake = cores('fake');
    const bench = (self.user + self.system) / 1000 / wallMs;
    const machine = machineCoresBetween(this.machine0, machine1);
    const other = machine ? Math.max(0, machine.busy - (herald ?? 0) - (wrapper ?? 0) - (fake ?? 0) - bench) : null;
    const steal = machine ? machine.steal : null;
    const peak = (name: keyof Pids | 'bench'): number | null => {
      const pid = name === 'bench' ? process.pid : this.pids[name];
      if (!pid) return null;
      const hwm = this.exact ? processMemory(pid)?.hwmKb : undefined;
      return hwm ?? this.sampled[name] ?? null;
    };
    return {
      wallMs: round(wallMs),
      cores: {
        herald: herald === null ? null : round(herald, 2),
        wrapper: wrapper === null ? null : round(wrapper, 3),
        fake: fake === null ? null : round(fake, 2),
        bench: round(bench, 2),
        other: other === null ? null : round(other, 2),
        steal: steal === null ? null : round(steal, 2),
      },
      heraldCpuMs: herald === null ? null : round(herald * wallMs),
      peakKb: { herald: peak('herald'), wrapper: peak('wrapper'), fake: peak('fake'), bench: peak('bench') ?? 0 },
      peakMethod: this.exact ? 'VmHWM' : 'sampled',
      heraldRssMb: this.heraldRssMb,
      others: this.others(wallMs),
      loadAvg: { start: this.load0, end: loadAverage() },
    };
  }
}
