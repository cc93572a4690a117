import { cliFlag } from '../cli-flags.js';
import { KiteSimulator } from './simulator.js';

// `npm run simulator -- --port 7000`: flags, or SIM_* environment variables.
const args = process.argv.slice(2);
const flag = (name: string): string | undefined =>
  cliFlag(args, name) ?? process.env[`SIM_${name.toUpperCase().replace(/-/g, '_')}`];
const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));

const sim = new KiteSimulator({
  port: num(flag('port')) ?? 7000,
  host: flag('host') ?? '127.0.0.1',
  apiKey: flag('api-key'),
  apiSecret: flag('api-secret'),
  redirectUrl: flag('redirect-url'),
  ticksPerSecond: num(flag('ticks-per-second')),
  userId: flag('user-id'),
  stampSendTime: flag('stamp') === '1' || args.includes('--stamp'),
});
await sim.start();
const u = sim.urls;
console.log(
  `kite simulator listening: KITE_API_ROOT=${u.apiRoot} KITE_WS_ROOT=${u.wsRoot} KITE_LOGIN_URL=${u.loginUrl} (api key ${sim.apiKey})`,
);
const stop = () => void sim.stop().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
