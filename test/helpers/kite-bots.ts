import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** A bot of the official KiteTicker in a child process (kite-bot-child.ts), and what it printed. */
export class KiteBot {
  readonly events: any[] = [];
  readonly child: ChildProcess;
  exited?: number | null;

  constructor(
    root: string,
    accessToken: string,
    subscribe: Record<string, number[]>,
    then?: Record<string, number[]>,
  ) {
    const script = fileURLToPath(new URL('./kite-bot-child.js', import.meta.url));
    this.child = spawn(process.execPath, [script], {
      env: {
        ...process.env,
        KB_ROOT: root,
        KB_ACCESS_TOKEN: accessToken,
        KB_SUBSCRIBE: JSON.stringify(subscribe),
        KB_THEN: JSON.stringify(then ?? {}),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    createInterface({ input: this.child.stdout! }).on('line', (l) => this.events.push(JSON.parse(l)));
    this.child.on('exit', (code) => (this.exited = code));
  }

  /** Every tick the official parser decoded, with the index of the event it came in. */
  ticks(token?: number): any[] {
    return this.events
      .flatMap((e, i) => (e.event === 'ticks' ? e.ticks.map((t: any) => ({ ...t, at: i })) : []))
      .filter((t) => token === undefined || t.instrument_token === token);
  }

  /** The index of the first event of `name`, or -1. */
  indexOf(name: string): number {
    return this.events.findIndex((e) => e.event === name);
  }

  stop(): void {
    this.child.kill();
  }
}
