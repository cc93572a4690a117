import { Injectable } from '@nestjs/common';
import type { Namespace } from 'socket.io';
import type { ConnectedClient } from '../contracts/clients.contract.js';
import type { CLIENT, SocketData } from './client-state.js';

export type { ClientProtocol, ConnectedClient } from '../contracts/clients.contract.js';

/** A Socket.IO socket's entry: its handshake data without the server-only part (fetchSockets() strips it on other nodes). */
export function socketIoClient(id: string, d: Omit<SocketData, typeof CLIENT>): ConnectedClient {
  const { node, user, role, connected_at, subscriptions, slow } = d;
  return { id, protocol: 'socket.io', node, user, role, connected_at, subscriptions, slow };
}

/** What a protocol other than Socket.IO tells the directory about its clients on this node. */
export interface ProtocolClients {
  list(): ConnectedClient[];
  disconnectUser(sub: string): void;
}

/** Inter-node requests, over the Socket.IO Redis adapter (serverSideEmit). */
const LIST = 'protocol_clients:list';
const DISCONNECT = 'protocol_clients:disconnect';

/**
 * The clients of the other protocols (the Kite-protocol endpoint registers here), so that the
 * admin list and "disconnect a user" cover every protocol on every node without the gateway
 * knowing them. Other nodes are asked over the Socket.IO adapter, as `fetchSockets()` does.
 */
@Injectable()
export class ClientDirectory {
  private readonly protocols: ProtocolClients[] = [];

  register(p: ProtocolClients): void {
    this.protocols.push(p);
  }

  /** Answers the other nodes' requests arriving on `ns`. */
  serve(ns: Namespace): void {
    ns.on(LIST, (ack: unknown) => {
      if (typeof ack === 'function') (ack as (c: ConnectedClient[]) => void)(this.local());
    });
    ns.on(DISCONNECT, (sub: unknown) => {
      if (typeof sub === 'string') this.disconnectLocal(sub);
    });
  }

  /** This node's clients of the other protocols, and (in a cluster) every other node's. Rejects on a timeout. */
  async list(ns: Namespace, clustered: boolean): Promise<ConnectedClient[]> {
    const here = this.local();
    if (!clustered) return here;
    const there = (await ns.serverSideEmitWithAck(LIST)) as unknown[];
    const lists = there.filter((x): x is ConnectedClient[] => Array.isArray(x));
    return [...here, ...lists.flat()];
  }

  disconnectUser(ns: Namespace, clustered: boolean, sub: string): void {
    this.disconnectLocal(sub);
    if (clustered) ns.serverSideEmit(DISCONNECT, sub);
  }

  private local(): ConnectedClient[] {
    return this.protocols.flatMap((p) => p.list());
  }

  private disconnectLocal(sub: string): void {
    for (const p of this.protocols) p.disconnectUser(sub);
  }
}
