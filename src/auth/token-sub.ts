import { INVITE_SUB_PREFIX } from './token-scopes.js';

/** What an asked-for `sub` may look like (letters, digits, `_ . @ -`). */
export const SUB_PATTERN = /^[\w.@-]{1,64}$/;

/**
 * Why a `sub` asked for at mint is refused, or undefined when it may be used. A token never takes
 * the name of a Kite user allowed to log in (whose dashboard login holds that sub) nor of an invite.
 */
export function subProblem(sub: unknown, kiteUserIds: readonly string[] = []): string | undefined {
  if (typeof sub !== 'string' || !SUB_PATTERN.test(sub)) {
    return 'sub must be 1 to 64 letters, digits or _ . @ - (or leave it out for a name of its own)';
  }
  if (sub.toLowerCase().startsWith(INVITE_SUB_PREFIX)) return 'sub must not use the invite: prefix';
  if (kiteUserIds.some((id) => id.toUpperCase() === sub.toUpperCase())) {
    return 'sub must not name a Kite user id allowed to log in (ALLOWED_KITE_USER_IDS or the current session)';
  }
  return undefined;
}

/** The sub of a token minted without one: its own user, named after its id (`client-viewer-Ab3dE5fG`). */
export function ownSub(prefix: 'client' | 'cli', role: string, tokenId: string): string {
  return `${prefix}-${role}-${tokenId.slice(0, 8)}`;
}
