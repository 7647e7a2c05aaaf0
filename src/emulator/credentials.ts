import { randomInt } from 'node:crypto';

const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomString(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** Duo-shaped identifiers: `DI` + 18 upper-case alphanumerics (integration keys, client ids). */
export function generateDuoId(prefix = 'DI'): string {
  return prefix + randomString(UPPER_ALNUM, 20 - prefix.length);
}

/** Duo-shaped secret: 40 alphanumerics (skeys, client secrets). */
export function generateSecret(): string {
  return randomString(ALNUM, 40);
}

export function generateHex(length: number): string {
  return randomString('0123456789abcdef', length);
}
