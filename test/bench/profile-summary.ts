/**
 * Where a V8 CPU profile's busy time goes:
 * `node .build/test/bench/profile-summary.js FILE.cpuprofile [top] [fromS] [toS]` prints self time
 * grouped by area (GC, the socket write, JSON, each package, kite-relay's own directories, Node's
 * internals) and the top functions, each as a share of the busy (non-idle) samples between fromS
 * and toS seconds into the profile, and the busy share of every second (to find the measurement
 * window). Used on the profiles `npm run bench -- --cpu-prof` writes.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The area a function belongs to, from its name and script. */
export function areaOf(name: string, url: string): string {
  if (name === '(idle)') return 'idle';
  if (name === '(garbage collector)') return 'GC';
  if (name === '(program)') return 'V8/native (program)';
  if (name === 'writev' || name === 'writeBuffer' || name === 'writeUtf8String') {
    return 'socket write (syscall)';
  }
  if (name === 'stringify' || name === 'parse') return `JSON.${name}`;
  for (const pkg of [
    'engine.io',
    'socket.io-adapter',
    'socket.io-parser',
    'socket.io',
    'ws',
    'ioredis',
    'prom-client',
  ]) {
    if (url.includes(`/node_modules/${pkg}/`)) return pkg;
  }
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1];
  const src = /\/src\/([^/]+)\//.exec(url);
  if (src) return `kite-relay src/${src[1]}`;
  if (url.startsWith('node:')) return `node ${url.slice(5).split('/')[0]}`;
  return url ? 'other scripts' : `native: ${name || '(anonymous)'}`;
}

/**
 * Self time by area and by function over the samples between `fromS` and `toS` seconds after the
 * profile began (the whole profile by default), and the busy share of each second of the profile
 * (so that start-up and the client storms can be told from the measurement window).
 */
export function summarize(
  p: Profile,
  fromS = 0,
  toS = Infinity,
): { busyMs: number; areas: [string, number][]; top: [string, number][]; perSecond: number[] } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  const perSecond: number[] = [];
  let busy = 0;
  let t = 0;
  p.samples.forEach((id, i) => {
    const us = p.timeDeltas[i] ?? 0;
    t += us;
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const area = areaOf(functionName, url);
    if (area === 'idle') return;
    const second = Math.floor(t / 1e6);
    perSecond[second] = (perSecond[second] ?? 0) + us / 1e4;
    if (t < fromS * 1e6 || t > toS * 1e6) return;
    busy += us;
    areas.set(area, (areas.get(area) ?? 0) + us);
    const fn = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
    fns.set(fn, (fns.get(fn) ?? 0) + us);
  });
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return {
    busyMs: busy / 1000,
    areas: sorted(areas),
    top: sorted(fns),
    perSecond: Array.from(perSecond, (x) => Math.round(x ?? 0)),
  };
}

if (process.argv[1]?.endsWith('profile-summary.js')) {
  const [file, topArg, from, to] = process.argv.slice(2);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const s = summarize(profile, Number(from ?? 0), Number(to ?? Infinity));
  const pct = (us: number) => `${(us / 10 / s.busyMs).toFixed(1)} %`.padStart(7);
  console.log(`busy % of a core, second by second: ${s.perSecond.join(' ')}`);
  console.log(`busy ${s.busyMs.toFixed(0)} ms of samples from ${from ?? 0} s to ${to ?? 'the end'}`);
  for (const [area, us] of s.areas.filter(([, us]) => us / 10 / s.busyMs >= 0.5)) {
    console.log(`${pct(us)}  ${area}`);
  }
  console.log('top functions (self time):');
  for (const [fn, us] of s.top.slice(0, Number(topArg ?? 25))) console.log(`${pct(us)}  ${fn}`);
}
