/** Injection token of the invites' `InviteBackend`: Redis when REDIS_URL is set, else this node's memory. */
export const INVITE_BACKEND = Symbol('INVITE_BACKEND');
