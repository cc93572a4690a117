import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { docSection } from './docs.js';
import ts from 'typescript';

const ROOT = join(import.meta.dirname, '..', '..', '..');

/** The ```ts block of "## Example client" in docs/socket-protocol.md, exactly as a reader copies it. */
export function readmeExampleCode(): string {
  const block = /```ts\n([\s\S]*?)```/.exec(docSection('docs/socket-protocol.md', '## Example client'));
  if (!block) throw new Error('docs/socket-protocol.md has no ```ts block under "## Example client"');
  return block[1];
}

export interface RunningExample {
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  stop(): void;
}

/**
 * Type-checks the README's example client against the event map (strict, as a user's project would),
 * then runs it against `url` with `token`. Throws with the compiler's messages when it does not compile.
 */
export function startReadmeExample(url: string, token: string): RunningExample {
  // A folder of its own under .build (two levels below the root, like the README's `./src/` import
  // seen from the project root, one level up), so that concurrent test files do not share it.
  const dir = mkdtempSync(join(ROOT, '.build', 'readme-example-'));
  const file = join(dir, 'example.ts');
  writeFileSync(file, readmeExampleCode().replace("'./src/", "'../../src/"));
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2023,
    skipLibCheck: true,
    types: ['node'],
  });
  const problems = ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  if (problems.length > 0) throw new Error(`the README example does not type-check:\n${problems.join('\n')}`);
  const js = ts.transpileModule(readFileSync(file, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2023 },
  }).outputText;
  writeFileSync(join(dir, 'example.js'), js);
  const child = spawn(process.execPath, [join(dir, 'example.js')], {
    env: { ...process.env, KITE_RELAY_URL: url, KITE_RELAY_TOKEN: token },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return {
    child,
    output: () => out,
    stop: () => {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
