import type { Socket } from 'socket.io-client';
import type {
  ClientToServerEvents,
  ServerToClientEvents,
} from '../../src/contracts/socket-protocol.contract.js';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A Kite order postback as the ticker sends it (fields from Kite's order-update documentation). */
export function kiteOrder(orderId: string, status: string, filled = 0): Record<string, unknown> {
  return {
    account_id: 'AB1234',
    unfilled_quantity: 0,
    checksum: '',
    placed_by: 'AB1234',
    order_id: orderId,
    exchange_order_id: '1300000001887410',
    parent_order_id: null,
    status,
    status_message: null,
    order_timestamp: '2026-12-03 10:15:00',
    exchange_update_timestamp: `2026-12-03 10:15:0${filled % 10}`,
    exchange_timestamp: '2026-12-03 10:15:00',
    variety: 'regular',
    exchange: 'NSE',
    tradingsymbol: 'INFY',
    instrument_token: 408065,
    order_type: 'LIMIT',
    transaction_type: 'BUY',
    validity: 'DAY',
    product: 'CNC',
    quantity: 10,
    disclosed_quantity: 0,
    price: 1532.15,
    trigger_price: 0,
    average_price: filled > 0 ? 1532.15 : 0,
    filled_quantity: filled,
    pending_quantity: 10 - filled,
    cancelled_quantity: 0,
    market_protection: 0,
    meta: {},
    tag: 'private-tag-7c1e',
    guid: '1b2c3d-private-guid',
  };
}

/** Collects the `order_update` events of one Socket.IO client. */
export class OrderProbe {
  readonly orders: Record<string, unknown>[] = [];

  constructor(readonly socket: Client) {
    socket.on('order_update', (o) => this.orders.push(o));
  }

  /**
   * Resolves once every event the server sent this socket before now has arrived: an ack comes
   * after everything emitted to the socket before it, on the same connection, in order.
   */
  async settled(): Promise<void> {
    await this.socket.timeout(10_000).emitWithAck('unsubscribe', { instruments: [408065] });
  }

  ids(): string[] {
    return this.orders.map((o) => `${String(o.order_id)}:${String(o.status)}`);
  }
}
