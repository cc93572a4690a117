import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { controlRoute } from './control-routes.js';
import { sendKiteError } from './http-util.js';
import { kiteRest } from './rest-routes.js';
import { SimState, type SimulatorOptions } from './sim-state.js';
import { TickerServer } from './ticker-server.js';
import type { Instrument } from './universe.js';

export type { SimulatorOptions } from './sim-state.js';

/** A stand-in for Kite: REST API, login redirect and ticker WebSocket, with control endpoints for tests. */
export class KiteSimulator {
  readonly apiKey: string;
  readonly apiSecret: string;
  port = 0;
  private readonly state: SimState;
  private readonly ticker: TickerServer;
  private readonly server: Server;

  /** Throws a RangeError for an `instruments` count outside 0..200000. */
  constructor(private readonly options: SimulatorOptions = {}) {
    this.state = new SimState(options);
    this.apiKey = this.state.apiKey;
    this.apiSecret = this.state.apiSecret;
    this.ticker = new TickerServer(this.state);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent) sendKiteError(res, 500, 'GeneralException', 'internal error');
        else res.destroy();
      });
    });
    this.server.on('upgrade', (req, socket, head) => this.ticker.upgrade(req, socket as Socket, head));
  }

  /** Where the login flow sends the browser back to (tests may point it elsewhere). */
  get redirectUrl(): string {
    return this.state.redirectUrl;
  }

  set redirectUrl(url: string) {
    this.state.redirectUrl = url;
  }

  /** The instrument master the simulator serves (named instruments, synthetic equities, currency futures). */
  get universe(): Instrument[] {
    return this.state.universe;
  }

  get urls() {
    const base = `http://127.0.0.1:${this.port}`;
    return { apiRoot: base, wsRoot: `ws://127.0.0.1:${this.port}/ws`, loginUrl: `${base}/connect/login` };
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.ticker.start();
    return this;
  }

  async stop(): Promise<void> {
    this.ticker.stop();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Issues an access token directly (tests that need a session without the login flow). */
  issueAccessToken(): string {
    return this.state.sessions.issueAccessToken();
  }

  expireAll(): void {
    this.state.sessions.clear();
    this.ticker.closeAll(1000, 'token expired');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    if (url.pathname.startsWith('/__sim/')) {
      return controlRoute(this.state, this.ticker, req, res, url);
    }
    return kiteRest(this.state, req, res, url);
  }
}
