/** The shapes of /api/admin/clients, for the API description; `implements` keeps them in step. */
import { ApiProperty, getSchemaPath } from '@nestjs/swagger';
import type { ClientList, ClientProtocol, ConnectedClient } from '../contracts/clients.contract.js';

export class ConnectedClientDto implements ConnectedClient {
  @ApiProperty({ description: 'The Socket.IO socket id, or `kite:<uuid>` for a Kite-protocol client.' })
  id!: string;

  @ApiProperty({
    enum: ['socket.io', 'kite'],
    description: "How it connected: Socket.IO `/market`, or Kite's ticker protocol at `/kite/ws`.",
  })
  protocol!: ClientProtocol;

  @ApiProperty({ description: 'NODE_ID of the node it is connected to.' })
  node!: string;

  @ApiProperty({ description: 'The JWT subject.', example: 'bot-1' })
  user!: string;

  @ApiProperty({ enum: ['viewer', 'admin'] })
  role!: string;

  @ApiProperty({
    format: 'date-time',
    description: 'ISO-8601 in IST (+05:30).',
    example: '2026-12-01T09:10:44.031+05:30',
  })
  connected_at!: string;

  @ApiProperty({ type: 'integer', description: 'Instruments it is subscribed to.' })
  subscriptions!: number;

  @ApiProperty({ description: 'Behind on its buffer: it gets only the latest tick per instrument.' })
  slow!: boolean;
}

export class ClientListDto implements ClientList {
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'array', items: { $ref: getSchemaPath(ConnectedClientDto) } },
    description: 'The connected clients, grouped by node id.',
  })
  nodes!: Record<string, ConnectedClient[]>;

  @ApiProperty({ type: 'integer' })
  total!: number;
}

export class DisconnectedUserDto {
  @ApiProperty({ description: 'The subject whose sockets were disconnected, on every node.' })
  user!: string;
}
