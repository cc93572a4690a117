/** One order update as Kite sent it: its text frame verbatim, and that frame's `data` object. */
export interface OrderUpdate {
  /** Kite's text frame, unchanged (`{"type":"order","data":{…}}`). */
  readonly raw: string;
  readonly data: Record<string, unknown>;
}

/** Kite's order updates are about 1.5 KB; anything far larger is not one. */
export const MAX_ORDER_TEXT = 64 * 1024;

/** The `data` of an order text frame when it is an order (an object with a string `order_id` and `status`). */
export function orderData(data: unknown): Record<string, unknown> | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const { order_id, status } = data as { order_id?: unknown; status?: unknown };
  if (typeof order_id !== 'string' || order_id.length === 0 || order_id.length > 64) return undefined;
  if (typeof status !== 'string' || status.length > 64) return undefined;
  return data as Record<string, unknown>;
}

/** Parses a text frame that should be an order update; undefined when it is not a well-formed one. */
export function parseOrderText(raw: string): OrderUpdate | undefined {
  if (raw.length > MAX_ORDER_TEXT) return undefined;
  let msg: unknown;
  try {
    msg = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const { type, data: body } = (typeof msg === 'object' && msg !== null ? msg : {}) as {
    type?: unknown;
    data?: unknown;
  };
  if (type !== 'order') return undefined;
  const data = orderData(body);
  return data && { raw, data };
}

/** Whether a text frame that is not valid JSON was meant as an order update (counted as a malformed one). */
export const looksLikeOrder = (raw: string): boolean =>
  /^\s*\{\s*"type"\s*:\s*"order"/.test(raw.slice(0, 64));

/**
 * What makes two order updates the same one (Kite may send it on each connection of a key):
 * order id, status, filled quantity and exchange update time.
 */
export function orderKey(data: Record<string, unknown>): string {
  return JSON.stringify([data.order_id, data.status, data.filled_quantity, data.exchange_update_timestamp]);
}

/** What may be logged of an order update: its id and status, and nothing else. */
export function orderLabel(data: Record<string, unknown>): string {
  const clean = (v: unknown) =>
    String(v)
      .replace(/[^\w .-]/g, '?')
      .slice(0, 40);
  return `${clean(data.order_id)} ${clean(data.status)}`;
}
