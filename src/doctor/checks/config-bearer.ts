import { error, ok, warn, type Check } from '../types.js';

/** `openssl rand -hex 32` gives 64 characters; fewer than this is guessable. */
const MIN_LENGTH = 24;
/** Estimated bits below which a bearer is weak whatever its length ("aaaa…", "passwordpassword…"). */
const MIN_BITS = 96;

/** Shannon entropy of the characters × length: a rough upper bound, enough to catch repeated or tiny alphabets. */
export function estimatedBits(value: string): number {
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let perChar = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    perChar -= p * Math.log2(p);
  }
  return perChar * value.length;
}

export const configBearer: Check = {
  id: 'config-bearer',
  title: 'Hook bearer token',
  group: 'config',
  async run({ settings }) {
    const token = settings.env.HOOK_BEARER_TOKEN?.trim();
    const fix =
      'Generate one with `openssl rand -hex 32`, set it as HOOK_BEARER_TOKEN, and paste the same value as the Bearer token of the Arcade extension.';
    if (!token) {
      return settings.mode === 'live'
        ? error('HOOK_BEARER_TOKEN is not set: Arcade cannot authenticate to the hook', fix)
        : ok('not set: a random one is generated at each start (local mode)');
    }
    const weak =
      token.length < MIN_LENGTH
        ? `only ${token.length} characters`
        : estimatedBits(token) < MIN_BITS
          ? `${token.length} characters but low entropy (repeated or few distinct characters)`
          : undefined;
    if (weak) {
      const detail = `HOOK_BEARER_TOKEN is weak: ${weak}; anyone who guesses it can call the hook`;
      return settings.mode === 'live' ? error(detail, fix) : warn(detail, fix);
    }
    return ok(`set (${token.length} characters)`);
  },
};
