import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { openEnvelope, sealEnvelope } from '../../src/redis/bus-envelope.js';
import { deriveClusterKey } from '../../src/redis/cluster-mac.js';

// What signing the cluster bus costs per frame, sealing on the holder and opening (HMAC check
// included) on a follower. Part of the cluster bench (`npm run bench -- --only cluster`); on its
// own, `node .build/test/bench/bus-mac.js` prints frames of 1, 10 and 100 packets.
const key = deriveClusterKey('bus-mac-bench-0123456789abcdef0123456789');
const channel = 'kite-relay:bus:frames';

export const MAC_SHAPES = [
  ['1 quote packet', 2 + 1 * 46],
  ['10 full packets', 2 + 10 * 186],
  ['100 quote packets', 2 + 100 * 46],
] as const;

/** µs per frame of `bytes` to seal and to open, over `n` frames (after a warm-up). */
export function measureMac(bytes: number, n = 50_000): { seal: number; open: number } {
  const body = Buffer.alloc(8 + bytes, 7);
  const envelope = { nodeId: 'node-0', boot: 1, seq: 0, sentAt: Date.now(), body };
  let sealed = sealEnvelope(key, channel, envelope);
  for (let i = 0; i < 5000; i++) {
    openEnvelope(key, channel, sealEnvelope(key, channel, { ...envelope, seq: i }));
  }
  let t = performance.now();
  for (let i = 0; i < n; i++) sealed = sealEnvelope(key, channel, { ...envelope, seq: i });
  const seal = ((performance.now() - t) * 1000) / n;
  t = performance.now();
  let ok = 0;
  for (let i = 0; i < n; i++) if (openEnvelope(key, channel, sealed).ok) ok++;
  const open = ((performance.now() - t) * 1000) / n;
  if (ok !== n) throw new Error('a sealed frame did not open');
  return { seal, open };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const [name, bytes] of MAC_SHAPES) {
    const { seal, open } = measureMac(bytes);
    console.log(`${name} (${bytes} B): seal ${seal.toFixed(2)} µs, open ${open.toFixed(2)} µs per frame`);
  }
}
