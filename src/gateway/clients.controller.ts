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
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { JwtAuthGuard, Roles } from '../auth/jwt-auth.guard.js';
import { ApiError } from '../http/api-docs/api-responses.js';
import { ClientListDto, ConnectedClientDto, DisconnectedUserDto } from './clients.dto.js';
import { MarketGateway, type ConnectedClient } from './market.gateway.js';

@ApiTags('admin')
@ApiExtraModels(ConnectedClientDto)
@Controller('api/admin/clients')
@UseGuards(JwtAuthGuard)
@Roles('admin')
export class ClientsController {
  constructor(private readonly gateway: MarketGateway) {}

  /** Every connected client on every node (through the Redis adapter in a cluster), grouped by node. */
  @ApiOperation({ summary: 'The connected clients (Socket.IO and Kite-protocol) of every node' })
  @ApiOkResponse({ type: ClientListDto })
  @ApiError(
    503,
    'Not every node answered in time (is Redis reachable?).',
    'not every node answered in time (is Redis reachable?); try again',
  )
  @Get()
  async list(): Promise<ClientListDto> {
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
  @ApiOperation({ summary: 'Disconnect every socket of a user (both protocols), on every node' })
  @ApiQuery({ name: 'user', type: 'string', pattern: '^[\\w.@:-]{1,64}$', description: 'A token subject.' })
  @ApiOkResponse({ type: DisconnectedUserDto })
  @ApiError(400, 'user is missing or not a token subject.', 'user must be a token subject')
  @Delete()
  @HttpCode(200)
  disconnect(@Query('user') user: unknown): DisconnectedUserDto {
    if (typeof user !== 'string' || !/^[\w.@:-]{1,64}$/.test(user)) {
      throw new BadRequestException('user must be a token subject');
    }
    this.gateway.disconnectUser(user);
    return { user };
  }
}
