// Puts what the app reads at run time next to the compiled code: the market calendars, the
// dashboard's static files, and the dashboard script tsc compiled from src/dashboard/client.
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
for (const out of process.argv.slice(2)) {
  const dest = join(root, out);
  for (const rel of ['market-status/calendars', 'dashboard/public']) {
    cpSync(join(root, 'src', rel), join(dest, rel), { recursive: true });
  }
  const script = join(dest, 'dashboard', 'client', 'app.js');
  if (!existsSync(script)) throw new Error(`${script} is missing: run tsc first`);
  cpSync(script, join(dest, 'dashboard', 'public', 'app.js'));
  if (existsSync(`${script}.map`)) cpSync(`${script}.map`, join(dest, 'dashboard', 'public', 'app.js.map'));
}
