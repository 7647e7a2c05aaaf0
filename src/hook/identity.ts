import type { PreHookRequest } from './contract.js';

/**
 * Who is asking, as Arcade tells us: `context.user_id`, then the username and email claims of each
 * authorization's user_info. Lower-cased, first seen first.
 */
export function callerIdentities(context: PreHookRequest['context']): string[] {
  const ids: string[] = [];
  const add = (value: unknown) => {
    if (typeof value === 'string' && value.trim()) ids.push(value.trim().toLowerCase());
  };
  add(context.user_id);
  for (const auth of context.authorization ?? []) {
    const info = auth.oauth2?.user_info ?? {};
    for (const claim of ['preferred_username', 'username', 'email', 'sub']) add(info[claim]);
  }
  return [...new Set(ids)];
}

export type Approver = { ok: true; duoUser: string; caller?: string } | { ok: false; caller?: string; reason: string };

/**
 * The Duo user who must approve. Without a map, everyone's requests go to DUO_STEPUP_USERNAME (as in the
 * original demo). With a map, each caller approves their own; an unmapped caller is refused, never sent to
 * someone else's phone.
 */
export function resolveApprover(
  context: PreHookRequest['context'],
  userMap: Record<string, string> | undefined,
  fallback: string,
): Approver {
  const ids = callerIdentities(context);
  if (!userMap) return { ok: true, duoUser: fallback, caller: ids[0] };
  for (const id of ids) {
    const duoUser = userMap[id];
    if (duoUser) return { ok: true, duoUser, caller: id };
  }
  return {
    ok: false,
    caller: ids[0],
    reason: ids.length
      ? `No Duo user is mapped for "${ids[0]}", so nobody can approve this request. Add it to DUO_USER_MAP.`
      : 'The request does not say who is asking, so nobody can approve it. Arcade sends context.user_id when a user is signed in.',
  };
}
