import { join, resolve } from 'node:path';
import { cliFlag } from '../common/cli-flags.js';
import { istInstant, istIso } from '../clock/ist.js';
import { ReplayPlayer } from '../simulator/replay-player.js';
import { KiteSimulator } from '../simulator/simulator.js';
import { openReplay } from './replay-source.js';
import { DAY_PATTERN } from './tape-files.js';

// `npm run replay -- --day 2026-12-01 [--dir DIR] [--speed 10] [--from 09:15 --to 10:30] [--port 7000]
//   [--start now] [--loop]`: the Kite simulator in replay mode.
const args = process.argv.slice(2);
const flag = (name: string) => cliFlag(args, name);
const problems: string[] = [];

const day = flag('day') ?? '';
if (!DAY_PATTERN.test(day)) problems.push('- --day: required, the recorded IST date YYYY-MM-DD');
const speed = Number(flag('speed') ?? 1);
if (!Number.isFinite(speed) || speed <= 0 || speed > 10_000) {
  problems.push('- --speed: must be a number above 0, up to 10000');
}
const port = Number(flag('port') ?? 7000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  problems.push('- --port: must be a TCP port 0-65535');
}
const time = (name: string): number | undefined => {
  const v = flag(name);
  if (v === undefined) return undefined;
  if (!/^\d\d:\d\d$/.test(v)) problems.push(`- --${name}: must be HH:MM (IST), e.g. 09:15`);
  return istInstant(day, v);
};
const from = time('from');
const to = time('to');
const start = flag('start');
if (start !== undefined && start !== 'now') {
  problems.push('- --start: only "now" (default: at the first subscription)');
}
if (problems.length > 0) {
  console.error(`replay: invalid options\n${problems.join('\n')}`);
  process.exit(64);
}

// An empty variable counts as unset, as the gateway's configuration reads it (and `tape` does).
const dir = resolve(flag('dir') || process.env.RECORD_DIR || join(process.env.DATA_DIR || 'data', 'tape'));
let source;
try {
  source = openReplay(dir, day, { from, to });
} catch (err) {
  const e = err as NodeJS.ErrnoException;
  console.error(`replay: ${e.code === 'ENOENT' ? `no recorded day ${day} in ${dir}` : e.message}`);
  process.exit(1);
}
const player = new ReplayPlayer({
  open: source.open,
  startsAt: source.startsAt,
  speed,
  startNow: start === 'now',
  loop: args.includes('--loop'),
});
const sim = new KiteSimulator({
  port,
  host: flag('host') ?? '127.0.0.1',
  apiKey: flag('api-key'),
  apiSecret: flag('api-secret'),
  redirectUrl: flag('redirect-url'),
  replay: player,
  universe: source.universe,
});
await sim.start();
const u = sim.urls;
console.log(
  `kite simulator listening: KITE_API_ROOT=${u.apiRoot} KITE_WS_ROOT=${u.wsRoot} KITE_LOGIN_URL=${u.loginUrl} (api key ${sim.apiKey})`,
);
console.log(
  `replaying ${day} (${source.segments} segment(s)) from ${istIso(source.startsAt)} at ${speed}x; the clock starts ${player.started ? 'now' : 'at the first subscription'} (point the gateway's CLOCK_START at ${istIso(source.startsAt)})`,
);
const stop = () => void sim.stop().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
