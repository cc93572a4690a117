/**
 * How busy the machine was while the bench measured: the load average, and the CPU of every process
 * that is not the bench's own (the bench and its descendants: servers, load generators, Redis).
 * From /proc: the machine's busy time (/proc/stat) minus the bench tree's CPU (its own utime+stime,
 * its reaped children's cutime+cstime, and every live descendant's). Linux only; elsewhere the
 * CPU figures are NaN and the load average is whatever the OS gives.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';

const CLK_TCK = 100;

export interface MachineLoad {
  /** 1-, 5- and 15-minute load averages when the meter started and when it stopped */
  loadavg_before: number[];
  loadavg_after: number[];
  /** CPU of processes outside the bench over the interval, % of one core */
  others_cpu_pct: number;
  /** the bench tree's own CPU over the interval, % of one core */
  bench_cpu_pct: number;
  seconds: number;
}

/** Fields after the `(comm)` of a /proc/<pid>/stat line: [0] is the state, [1] the ppid, [11..14] the times. */
function statFields(pid: number | 'self'): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined; // gone meanwhile
  }
}

/** The machine's busy jiffies: user, nice, system, irq, softirq, steal (guest time is inside user). */
function machineBusy(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = cpu;
  return user + nice + system + irq + softirq + (steal ?? 0);
}

/** Jiffies used by this process and all its descendants, live or reaped. */
function benchTree(): number {
  const self = statFields('self')!;
  let total = Number(self[11]) + Number(self[12]) + Number(self[13]) + Number(self[14]);
  const children = new Map<number, number[]>();
  const times = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const f = statFields(Number(name));
    if (!f) continue;
    const ppid = Number(f[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    times.set(Number(name), Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]));
  }
  const queue = [...(children.get(process.pid) ?? [])];
  while (queue.length > 0) {
    const pid = queue.pop()!;
    total += times.get(pid) ?? 0;
    queue.push(...(children.get(pid) ?? []));
  }
  return total;
}

interface Sample {
  at: number;
  load: number[];
  busy: number;
  bench: number;
}

function sample(): Sample {
  let busy = NaN;
  let bench = NaN;
  try {
    busy = machineBusy();
    bench = benchTree();
  } catch {
    // not Linux: CPU figures stay NaN
  }
  return { at: performance.now(), load: loadavg(), busy, bench };
}

/** Starts measuring now; the function it returns gives the load since then. */
export function meterLoad(): () => MachineLoad {
  const a = sample();
  return () => {
    const b = sample();
    const seconds = (b.at - a.at) / 1000;
    const pct = (jiffies: number) => Math.round((jiffies / CLK_TCK / Math.max(seconds, 1e-3)) * 100);
    const bench = b.bench - a.bench;
    return {
      loadavg_before: a.load.map((x) => Number(x.toFixed(2))),
      loadavg_after: b.load.map((x) => Number(x.toFixed(2))),
      others_cpu_pct: Math.max(0, pct(b.busy - a.busy - bench)),
      bench_cpu_pct: pct(bench),
      seconds: Number(seconds.toFixed(1)),
    };
  };
}
