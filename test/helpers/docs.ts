import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..', '..');

/**
 * The text of the section under `heading` (a whole line such as `## Variables`) in `file` (relative to
 * the repository root, e.g. `docs/configuration.md`): from that line up to the next heading of the same
 * or a higher level, or the end of the file. Throws when the heading is missing or appears twice, so a
 * reader never checks an empty slice.
 */
export function docSection(file: string, heading: string): string {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const level = /^#+/.exec(heading)?.[0].length;
  if (!level) throw new Error(`not a heading: ${heading}`);
  const starts = lines.flatMap((l, i) => (l.trim() === heading ? [i] : []));
  if (starts.length !== 1) throw new Error(`${file} has ${starts.length} headings "${heading}"`);
  let fence = false;
  const out: string[] = [];
  for (const line of lines.slice(starts[0] + 1)) {
    if (line.startsWith('```')) fence = !fence;
    const m = fence ? null : /^(#+)\s/.exec(line);
    if (m && m[1].length <= level) break;
    out.push(line);
  }
  return out.join('\n');
}
