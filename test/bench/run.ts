import { writeFileSync } from 'node:fs';
import { benchDecode } from './decode.bench.js';

// `npm run bench [-- --quick] [-- --json FILE]`: one table, each figure with its ratio to the reference.
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const jsonAt = args.indexOf('--json');
const seconds = quick ? 0.5 : 2;

const decode = {
  full: benchDecode('full', seconds),
  quote: benchDecode('quote', seconds),
  ltp: benchDecode('ltp', seconds),
};
const rows = Object.entries(decode).map(([mode, r]) => [
  `decode ${mode} (packets/s)`,
  r.packets_per_s.toLocaleString('en-US'),
  r.reference_packets_per_s.toLocaleString('en-US'),
  `${r.ratio.toFixed(1)}×`,
]);
const table = [['figure', 'kite-relay', 'reference (KiteTicker.parseBinary)', 'ratio'], ...rows];
const widths = table[0].map((_, c) => Math.max(...table.map((r) => r[c].length)));
for (const r of table) console.log(r.map((cell, c) => cell.padEnd(widths[c])).join('  '));
if (jsonAt >= 0) writeFileSync(args[jsonAt + 1], JSON.stringify({ decode }, null, 2));
