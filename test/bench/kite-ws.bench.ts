/**
 * The Kite-protocol endpoint under the fan-out load (issue 28): the same clients × instruments
 * through kite-relay's `/kite/ws` (raw packets sliced per client), through its Socket.IO `/market`,
 * and through the bare Socket.IO reference, interleaved run by run, against one simulator.
 */
import { JwtService } from '@nestjs/jwt';
import { jwtOptions, signClientToken } from '../../src/auth/token.service.js';
import {
  JWT_SECRET,
  assignments,
  progress,
  simAccessToken,
  startGateway,
  startReference,
  startSim,
  stop,
} from './bench-kit.js';
import { loadedRun, type FanoutOptions, type FanoutSide } from './fanout.bench.js';

export interface KiteWsRuns {
  options: FanoutOptions;
  /** one entry per run of each side, measured in the order kite, socket_io, reference */
  kite: FanoutSide[];
  socket_io: FanoutSide[];
  reference: FanoutSide[];
  upstream_connections_peak: number;
}

export async function benchKiteWs(o: FanoutOptions, repeat: number): Promise<KiteWsRuns> {
  const { tokens, subscriptions } = assignments(o);
  const jwt = signClientToken(new JwtService(jwtOptions(JWT_SECRET)), 'bench', 'viewer', 3600);
  const sim = await startSim(o.ticksPerSecond);
  const out: KiteWsRuns = {
    options: o,
    kite: [],
    socket_io: [],
    reference: [],
    upstream_connections_peak: 0,
  };
  const gateway = async () => startGateway(sim, await simAccessToken(sim), { cpuProfDir: o.cpuProfDir });
  try {
    for (let i = 0; i < repeat; i++) {
      progress(`kite-ws: run ${i + 1} of ${repeat}`);
      const kite = await loadedRun(o, sim, 'kite', gateway, jwt, subscriptions);
      out.kite.push(kite.side);
      out.upstream_connections_peak = Math.max(out.upstream_connections_peak, kite.peak);
      out.socket_io.push((await loadedRun(o, sim, 'relay', gateway, jwt, subscriptions)).side);
      const reference = await loadedRun(
        o,
        sim,
        'reference',
        async () => startReference(sim, await simAccessToken(sim), tokens),
        undefined,
        subscriptions,
      );
      out.reference.push(reference.side);
    }
    return out;
  } finally {
    await stop(sim.proc);
  }
}
