/**
 * Where a V8 CPU profile's busy time goes: `node .build/test/bench/profile-summary.js FILE.cpuprofile [top]`
 * prints self time grouped by area (GC, the socket write, JSON, socket.io/engine.io/ws, the Redis
 * client, kite-relay's own directories, Node's internals) and the top functions, each as a share of
 * the busy (non-idle) samples. Used on the profiles `npm run bench -- --cpu-prof` writes.
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
  if (url.includes('/node_modules/')) return 'other packages';
  const src = /\/src\/([^/]+)\//.exec(url);
  if (src) return `kite-relay src/${src[1]}`;
  if (url.startsWith('node:')) return `node ${url.slice(5).split('/')[0]}`;
  return url ? 'other scripts' : `native: ${name || '(anonymous)'}`;
}

export function summarize(p: Profile): {
  busyMs: number;
  areas: [string, number][];
  top: [string, number][];
} {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const area = areaOf(functionName, url);
    if (area === 'idle') continue;
    busy += us;
    areas.set(area, (areas.get(area) ?? 0) + us);
    const fn = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
    fns.set(fn, (fns.get(fn) ?? 0) + us);
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return { busyMs: busy / 1000, areas: sorted(areas), top: sorted(fns) };
}

if (process.argv[1]?.endsWith('profile-summary.js')) {
  const [file, topArg] = process.argv.slice(2);
  const s = summarize(JSON.parse(readFileSync(file, 'utf8')) as Profile);
  const pct = (us: number) => `${(us / 10 / s.busyMs).toFixed(1)} %`.padStart(7);
  console.log(`busy ${s.busyMs.toFixed(0)} ms of samples`);
  for (const [area, us] of s.areas) console.log(`${pct(us)}  ${area}`);
  console.log('top functions (self time):');
  for (const [fn, us] of s.top.slice(0, Number(topArg ?? 25))) console.log(`${pct(us)}  ${fn}`);
}
