export type OwnershipRole = 'standalone' | 'holder' | 'follower';

/** Who may hold the upstream, as this node sees it. */
export interface OwnershipState {
  role: OwnershipRole;
  /** The node holding the lease (this one when holder); null while nobody does, or nobody is known to. */
  holder: string | null;
  /** The fencing number of the holder's tenure; frames carry it. */
  fencing: number | null;
  /** Whether Redis answered the last lease call (always true standalone). */
  redisUp: boolean;
}
