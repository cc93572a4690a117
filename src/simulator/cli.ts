import { cliFlag } from '../common/cli-flags.js';
import { KiteSimulator } from './simulator.js';
import { MAX_SYNTHETIC_EQUITIES, syntheticEquityCount } from './universe.js';

// `npm run simulator -- --port 7000`: flags, or SIM_* environment variables.
const args = process.argv.slice(2);
const envName = (name: string) => `SIM_${name.toUpperCase().replace(/-/g, '_')}`;
const flag = (name: string): string | undefined => cliFlag(args, name) ?? process.env[envName(name)];
const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
const problems: string[] = [];
const problem = (name: string, text: string) => problems.push(`- --${name} / ${envName(name)}: ${text}`);

let instruments: number | undefined;
try {
  instruments = syntheticEquityCount(flag('instruments'));
} catch {
  problem(
    'instruments',
    `must be a whole number 0..${MAX_SYNTHETIC_EQUITIES} (got "${flag('instruments')}")`,
  );
}

const SWITCH: Readonly<Record<string, boolean>> = {
  on: true,
  '1': true,
  true: true,
  off: false,
  '0': false,
  false: false,
};
const historicalText = flag('historical');
const historical =
  historicalText !== undefined && Object.hasOwn(SWITCH, historicalText) ? SWITCH[historicalText] : undefined;
if (historicalText !== undefined && historical === undefined) {
  problem('historical', `must be on, off, 1, 0, true or false (got "${historicalText}")`);
}

// A clock shifted to start at CLOCK_START-like time, as the gateway's CLOCK_START does.
const clockStartText = flag('clock-start');
const clockStart = clockStartText === undefined ? undefined : Date.parse(clockStartText);
if (clockStart !== undefined && !Number.isFinite(clockStart)) {
  problem(
    'clock-start',
    `must be an ISO date-time such as 2026-12-01T11:00:00+05:30 (got "${clockStartText}")`,
  );
}
const offset = clockStart === undefined ? 0 : clockStart - Date.now();

if (problems.length > 0) {
  console.error(`kite simulator: invalid options\n${problems.join('\n')}`);
  process.exit(78);
}

const sim = new KiteSimulator({
  port: num(flag('port')) ?? 7000,
  host: flag('host') ?? '127.0.0.1',
  apiKey: flag('api-key'),
  apiSecret: flag('api-secret'),
  redirectUrl: flag('redirect-url'),
  ticksPerSecond: num(flag('ticks-per-second')),
  userId: flag('user-id'),
  stampSendTime: flag('stamp') === '1' || args.includes('--stamp'),
  instruments,
  historical,
  now: offset === 0 ? undefined : () => Date.now() + offset,
});
await sim.start();
const u = sim.urls;
console.log(
  `kite simulator listening: KITE_API_ROOT=${u.apiRoot} KITE_WS_ROOT=${u.wsRoot} KITE_LOGIN_URL=${u.loginUrl} (api key ${sim.apiKey})`,
);
const stop = () => void sim.stop().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
