import type { PreHookRequest } from './contract.js';

/**
 * The form a caller id is compared in: ASCII spaces trimmed, ASCII letters lower-cased, nothing else folded. Full
 * Unicode case mapping would let "\u212Aate@example.com" (a Kelvin sign) pass for kate@example.com and push to Kate's
 * phone; Unicode trimming would do the same for a byte-order mark or a no-break space around the id.
 */
export function callerKey(id: string): string {
  return id.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '').replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/** The user_info claims that name a Duo user, strongest first (`sub` is an opaque id, not a username). */
const USERNAME_CLAIMS = ['preferred_username', 'username', 'email'] as const;

/**
 * Who is asking, as Arcade tells us: `context.user_id` when present, else a username or email claim of the
 * Duo provider's user_info. One identity only: trying each claim of each provider in turn would let a caller
 * whose id is unmapped borrow a name another provider vouches for, and push to that person's phone.
 */
export function callerIdentity(context: PreHookRequest['context'], providerId: string): string | undefined {
  const normalise = (value: unknown) => (typeof value === 'string' ? callerKey(value) || undefined : undefined);
  const userId = normalise(context.user_id);
  if (userId) return userId;
  const duo = (context.authorization ?? []).find((auth) => auth.provider_id === providerId);
  const info = duo?.oauth2?.user_info ?? {};
  for (const claim of USERNAME_CLAIMS) {
    const value = normalise(info[claim]);
    if (value) return value;
  }
  return undefined;
}

export type Approver = { ok: true; duoUser: string; caller?: string } | { ok: false; caller?: string; reason: string };

/**
 * The Duo user who must approve. Without a map, everyone's requests go to DUO_STEPUP_USERNAME (as in the
 * original demo). With a map, each caller approves their own; an unmapped caller is refused, never sent to
 * someone else's phone.
 */
export function resolveApprover(
  context: PreHookRequest['context'],
  userMap: Readonly<Record<string, string>> | undefined,
  fallback: string,
  providerId: string,
): Approver {
  const caller = callerIdentity(context, providerId);
  if (!userMap) return { ok: true, duoUser: fallback, caller };
  // Own keys only: "constructor" or "__proto__" must not find Object.prototype's members.
  const duoUser = caller !== undefined && Object.hasOwn(userMap, caller) ? userMap[caller] : undefined;
  if (duoUser) return { ok: true, duoUser, caller };
  return {
    ok: false,
    caller,
    reason: caller
      ? `No Duo user is mapped for "${caller}", so nobody can approve this request. Add it to DUO_USER_MAP.`
      : `The request does not say who is asking (no context.user_id, and no username or email from the "${providerId}" provider), so nobody can approve it.`,
  };
}
