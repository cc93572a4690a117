import {
  BadRequestException,
  Controller,
  Delete,
  Get,
  HttpCode,
  Query,
  ServiceUnavailableException,
  UseGuards,
} from '@nestjs/common';
import { JwtAuthGuard, Roles } from '../auth/jwt-auth.guard.js';
import { MarketGateway, type ConnectedClient } from './market.gateway.js';

@Controller('api/admin/clients')
@UseGuards(JwtAuthGuard)
@Roles('admin')
export class ClientsController {
  constructor(private readonly gateway: MarketGateway) {}

  /** Every connected client on every node (through the Redis adapter in a cluster), grouped by node. */
  @Get()
  async list(): Promise<{ nodes: Record<string, ConnectedClient[]>; total: number }> {
    let clients: ConnectedClient[];
    try {
      clients = await this.gateway.listClients();
    } catch {
      throw new ServiceUnavailableException(
        'not every node answered in time (is Redis reachable?); try again',
      );
    }
    const nodes: Record<string, ConnectedClient[]> = {};
    for (const c of clients) (nodes[c.node] ??= []).push(c);
    return { nodes, total: clients.length };
  }

  /** `DELETE /api/admin/clients?user=<sub>`: disconnects every socket of that user, on every node. */
  @Delete()
  @HttpCode(200)
  disconnect(@Query('user') user: unknown): { user: string } {
    if (typeof user !== 'string' || !/^[\w.@:-]{1,64}$/.test(user)) {
      throw new BadRequestException('user must be a token subject');
    }
    this.gateway.disconnectUser(user);
    return { user };
  }
}
