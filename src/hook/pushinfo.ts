import { encodePushinfo } from '../duo/auth-api-client.js';

/** Duo's limit for the whole pushinfo parameter, encoded (PROTOCOLS.md §1), with room to spare. */
const MAX_ENCODED_BYTES = 19_000;
const MAX_VALUE_CHARS = 200;

/**
 * What the phone shows: key/value pairs built from model-controlled text, so control characters are removed,
 * each value is bounded, and the whole encoded parameter stays under Duo's limit.
 */
export function buildPushinfo(fields: Record<string, string | undefined>): Record<string, string> {
  let limit = MAX_VALUE_CHARS;
  for (;;) {
    const pushinfo: Record<string, string> = {};
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      pushinfo[key] = clip(value, limit);
    }
    if (Buffer.byteLength(encodePushinfo(pushinfo), 'utf8') <= MAX_ENCODED_BYTES || limit <= 20) return pushinfo;
    limit = Math.floor(limit / 2);
  }
}

export function clip(value: string, limit = MAX_VALUE_CHARS): string {
  const clean = value
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const chars = [...clean];
  return chars.length > limit ? `${chars.slice(0, limit - 1).join('')}…` : clean;
}
