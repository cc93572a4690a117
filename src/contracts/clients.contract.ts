/** How a client connected: Socket.IO `/market`, or Kite's ticker protocol at `/kite/ws`. */
export type ClientProtocol = 'socket.io' | 'kite';

/** One entry of `GET /api/admin/clients`: a connected client as an admin sees it, whatever its protocol. */
export interface ConnectedClient {
  /** The Socket.IO socket id, or `kite:<uuid>` for a Kite-protocol client. */
  id: string;
  protocol: ClientProtocol;
  /** NODE_ID of the node it is connected to. */
  node: string;
  /** The JWT subject. */
  user: string;
  role: string;
  /** ISO-8601 in IST (+05:30). */
  connected_at: string;
  /** Instruments it is subscribed to. */
  subscriptions: number;
  /** Behind on its buffer: it gets only the latest tick per instrument. */
  slow: boolean;
}

/** `GET /api/admin/clients`: the connected clients of every node, grouped by node id. */
export interface ClientList {
  nodes: Record<string, ConnectedClient[]>;
  total: number;
}
