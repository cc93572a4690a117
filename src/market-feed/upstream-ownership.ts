import { Injectable } from '@nestjs/common';

/**
 * The one decision point "may this process hold the upstream connection?". A single node always
 * may; cluster mode will answer with a Redis lease so that one node of a deployment connects.
 */
@Injectable()
export class UpstreamOwnership {
  async mayHoldUpstream(): Promise<boolean> {
    return true;
  }
}
