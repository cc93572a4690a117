import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';
import { waitFor } from './wait.js';

/** A redis-server of the test's own, on a free port, that the test can stop and start again. */
export class RedisServer {
  private proc?: ChildProcess;
  readonly client: Redis;
  /** The `--requirepass` of `extraArgs`, which `url` then carries. */
  readonly password?: string;

  private constructor(
    readonly port: number,
    private readonly extraArgs: readonly string[],
  ) {
    const pw = extraArgs.indexOf('--requirepass');
    this.password = pw >= 0 ? extraArgs[pw + 1] : undefined;
    this.client = new Redis({
      port,
      host: '127.0.0.1',
      password: this.password,
      lazyConnect: true,
      maxRetriesPerRequest: 1,
    });
    this.client.on('error', () => undefined);
  }

  /** `extraArgs` are more redis-server options (e.g. `--tls-port`); the test's own client uses `port`. */
  static async start(extraArgs: readonly string[] = []): Promise<RedisServer> {
    const r = new RedisServer(await freePort(), extraArgs);
    await r.start();
    return r;
  }

  get url(): string {
    const auth = this.password ? `:${encodeURIComponent(this.password)}@` : '';
    return `redis://${auth}127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.proc = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        ...this.extraArgs,
      ],
      { stdio: 'ignore' },
    );
    await waitFor(
      async () => (await this.client.ping()) === 'PONG',
      `redis-server on ${this.port}`,
      10_000,
      50,
    );
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    });
  }

  async close(): Promise<void> {
    this.client.disconnect();
    await this.stop();
  }
}
