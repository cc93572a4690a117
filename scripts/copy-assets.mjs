// Puts what the app reads at run time next to the compiled code: the market calendars, the
// dashboard's static files, its browser modules tsc compiled from src/dashboard/client, the one
// contract they import as a value (the compact tick decoder), and the chart library.
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
for (const out of process.argv.slice(2)) {
  const dest = join(root, out);
  for (const rel of ['market-status/calendars', 'dashboard/public']) {
    cpSync(join(root, 'src', rel), join(dest, rel), { recursive: true });
  }
  const client = join(dest, 'dashboard', 'client');
  const js = join(dest, 'dashboard', 'public', 'js');
  if (!existsSync(join(client, 'main.js'))) throw new Error(`${client}/main.js is missing: run tsc first`);
  // The folder is rebuilt whole, so a module removed from the source does not linger.
  rmSync(js, { recursive: true, force: true });
  mkdirSync(js, { recursive: true });
  for (const name of readdirSync(client)) {
    if (/\.spec\.js(\.map)?$/.test(name) || !/\.js(\.map)?$/.test(name)) continue;
    cpSync(join(client, name), join(js, name));
  }
  // connection.js (served as /js/connection.js) imports '../../contracts/compact-tick.contract.js':
  // the browser resolves that to /contracts/compact-tick.contract.js (a '..' at the root stays at
  // the root), so the compiled contract goes to public/contracts/. The copy is exactly what tsc
  // emitted, not a second decoder; it must import nothing at run time, as the browser could not
  // load what it would import.
  const contracts = join(dest, 'dashboard', 'public', 'contracts');
  rmSync(contracts, { recursive: true, force: true });
  mkdirSync(contracts, { recursive: true });
  for (const name of ['compact-tick.contract.js', 'compact-tick.contract.js.map']) {
    const from = join(dest, 'contracts', name);
    if (
      name.endsWith('.js') &&
      /^\s*import\b|\bfrom\s*['"]|\bimport\s*\(/m.test(readFileSync(from, 'utf8'))
    ) {
      throw new Error(`${from} imports a module at run time: the dashboard could not load it`);
    }
    cpSync(from, join(contracts, name));
  }
  // The chart library's standalone build and its licence, served by the gateway itself (no CDN).
  const charts = join(root, 'node_modules', 'lightweight-charts');
  const vendor = join(dest, 'dashboard', 'public', 'vendor');
  mkdirSync(vendor, { recursive: true });
  cpSync(
    join(charts, 'dist', 'lightweight-charts.standalone.production.js'),
    join(vendor, 'lightweight-charts.standalone.production.js'),
  );
  cpSync(join(charts, 'LICENSE'), join(vendor, 'lightweight-charts.LICENSE.txt'));
}
