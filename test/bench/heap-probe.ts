/**
 * Preloaded into a server the memory bench starts (`node --expose-gc --import <this> …`, with an IPC
 * channel): on request, a full collection and the process's memory, or a V8 heap snapshot. The
 * production code knows nothing of it. The channel is unref'd so that it never keeps a server alive.
 */
import { writeHeapSnapshot } from 'node:v8';

export type ProbeRequest = { probe: 'usage' } | { probe: 'snapshot'; path: string };
export interface ProbeUsage {
  heap_used: number;
  external: number;
  array_buffers: number;
  rss: number;
}
export type ProbeReply = { probe: 'usage'; usage: ProbeUsage } | { probe: 'snapshot'; path: string };

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('heap-probe: run the server with node --expose-gc');
  // Twice: the first pass can leave what only its finalizers released.
  gc();
  gc();
}

if (process.send) {
  process.on('message', (m: ProbeRequest) => {
    if (m?.probe === 'usage') {
      collect();
      const u = process.memoryUsage();
      const usage = {
        heap_used: u.heapUsed,
        external: u.external,
        array_buffers: u.arrayBuffers,
        rss: u.rss,
      };
      process.send!({ probe: 'usage', usage } satisfies ProbeReply);
    } else if (m?.probe === 'snapshot') {
      collect();
      process.send!({ probe: 'snapshot', path: writeHeapSnapshot(m.path) } satisfies ProbeReply);
    }
  });
  // After the listener: adding a 'message' listener refs the channel again.
  process.channel?.unref();
}
