// Copies the non-TypeScript files the app reads at run time (calendar, dashboard) next to the compiled code.
import { cpSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
for (const out of process.argv.slice(2)) {
  for (const rel of ['market-status/calendars', 'dashboard/public']) {
    cpSync(join(root, 'src', rel), join(root, out, rel), { recursive: true });
  }
}
