import { ServiceUnavailableException } from '@nestjs/common';
import { InvitesUnavailableError } from '../redis/invite.store.js';

/** Awaits `work`; Redis not answering becomes a 503 that says so, anything else passes through. */
export async function unavailableAs503<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof InvitesUnavailableError) {
      throw new ServiceUnavailableException('invites are kept in Redis, which is not answering; try again');
    }
    throw err;
  }
}
