/**
 * Duo Web API request signing (HMAC), as Duo's reference clients do it: duo_client_python
 * `duo_client/client.py`, duo_api_nodejs `lib/duo_sig.js`. See PROTOCOLS.md §1.1.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type DuoParams = Record<string, string | string[]>;
export type DuoDigest = 'sha512' | 'sha1';
export type DuoSignatureVersion = 2 | 5;

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * Percent-encodes UTF-8 bytes, keeping only A-Z a-z 0-9 - . _ ~ (RFC 3986 unreserved), upper-case hex.
 * Works on bytes rather than encodeURIComponent so that `!'()*` are encoded and lone surrogates cannot throw.
 */
export function duoEncode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && UNRESERVED.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Code-unit order, like Python's sorted() on the (all-ASCII) encoded strings. */
function compareAscii(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Duo's canonical parameter line: encoded `k=v` pairs sorted by encoded key, then encoded value, joined by `&`. */
export function canonParams(params: DuoParams): string {
  const pairs: string[] = [];
  const keys = Object.keys(params)
    .map((key) => ({ key, encoded: duoEncode(key) }))
    .sort((a, b) => compareAscii(a.encoded, b.encoded));
  for (const { key, encoded } of keys) {
    const raw = params[key];
    const values = (Array.isArray(raw) ? raw : [raw ?? '']).map(duoEncode).sort(compareAscii);
    for (const v of values) pairs.push(`${encoded}=${v}`);
  }
  return pairs.join('&');
}

export function sha512Hex(data: string): string {
  return createHash('sha512').update(data, 'utf8').digest('hex');
}

/**
 * v5 hash of the extra `X-Duo-*` headers: lower-cased names sorted, then name and value alternating, joined by NUL.
 * No headers hashes the empty string.
 */
export function canonXDuoHeaders(headers: Record<string, string> = {}): string {
  const lowered = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (!lower.startsWith('x-duo-')) throw new Error(`Additional headers must start with 'X-Duo-': ${name}`);
    if (lower.includes('\0') || value.includes('\0')) throw new Error('NUL is not allowed in an X-Duo header');
    if (lowered.has(lower)) throw new Error(`Duplicate header: ${name}`);
    lowered.set(lower, value);
  }
  const parts: string[] = [];
  for (const name of [...lowered.keys()].sort(compareAscii)) parts.push(name, lowered.get(name) ?? '');
  return sha512Hex(parts.join('\0'));
}

export interface CanonicalizeOptions {
  version: DuoSignatureVersion;
  method: string;
  host: string;
  path: string;
  params: DuoParams;
  date: string;
  /** v5 only: the exact request body ('' for GET). */
  body?: string;
  /** v5 only: extra X-Duo-* headers that are sent and signed. */
  duoHeaders?: Record<string, string>;
}

export function canonicalize(opts: CanonicalizeOptions): string {
  const lines = [opts.date, opts.method.toUpperCase(), opts.host.toLowerCase(), opts.path, canonParams(opts.params)];
  if (opts.version === 5) lines.push(sha512Hex(opts.body ?? ''), canonXDuoHeaders(opts.duoHeaders));
  return lines.join('\n');
}

export interface SignRequestOptions {
  version: DuoSignatureVersion;
  ikey: string;
  skey: string;
  method: string;
  host: string;
  path: string;
  /** Query params (GET) or form params (v2 POST). For a v5 JSON POST pass `{}` and put the JSON in `body`. */
  params: Record<string, string> | DuoParams;
  body?: string;
  date: string;
  /** v2 only; v5 is always SHA-512. Default sha512. */
  digest?: DuoDigest;
  duoHeaders?: Record<string, string>;
}

export interface SignedRequest {
  /** `Basic base64(ikey:hexsig)`: send it, never log it. */
  authorization: string;
  signature: string;
  canonical: string;
}

export function signRequest(opts: SignRequestOptions): SignedRequest {
  const canonical = canonicalize(opts);
  const digest: DuoDigest = opts.version === 5 ? 'sha512' : (opts.digest ?? 'sha512');
  const signature = createHmac(digest, Buffer.from(opts.skey, 'utf8')).update(canonical, 'utf8').digest('hex');
  const authorization = `Basic ${Buffer.from(`${opts.ikey}:${signature}`, 'utf8').toString('base64')}`;
  return { authorization, signature, canonical };
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 2822 date in UTC as Python's email.utils.formatdate() writes it: `Tue, 21 Aug 2012 17:29:18 -0000`. */
export function rfc2822Date(d: Date): string {
  const p2 = (n: number) => String(n).padStart(2, '0');
  return (
    `${DAYS[d.getUTCDay()]}, ${p2(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ` +
    `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} -0000`
  );
}

/** Splits `Basic base64(ikey:sig)`; undefined when the header is absent or malformed. */
export function parseAuthorization(header: string | undefined | null): { ikey: string; signature: string } | undefined {
  if (!header) return undefined;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header.trim());
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon === decoded.length - 1) return undefined;
  return { ikey: decoded.slice(0, colon), signature: decoded.slice(colon + 1) };
}

/** Constant-time string equality; unequal lengths compare a digest against itself so timing does not leak which. */
export function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  if (ab.length !== bb.length) {
    timingSafeEqual(ab, ab);
    return false;
  }
  return timingSafeEqual(ab, bb);
}

export interface VerifyRequestOptions {
  /** Hex signature taken from the Authorization header. */
  signature: string;
  skey: string;
  method: string;
  /** Candidate hosts (e.g. the Host header with and without port); any one may match. */
  hosts: string[];
  path: string;
  /** Query params (GET) or form params (POST v2). */
  params: DuoParams;
  date: string;
  /** Raw request body ('' when none). */
  body: string;
  /** True when the POST body is JSON: only v5 with an empty params line can match. */
  jsonBody?: boolean;
  /** Candidate X-Duo-* header sets for v5 (the sender may or may not have signed e.g. X-Duo-Date). */
  duoHeaderSets?: Record<string, string>[];
}

export interface VerifyResult {
  valid: boolean;
  version?: DuoSignatureVersion;
  digest?: DuoDigest;
}

/**
 * Server-side check: recompute every signature the request could legitimately carry and compare each in
 * constant time. A 40-hex signature can only be v2 SHA-1; a 128-hex one is v2 SHA-512 or v5.
 */
export function verifyRequest(opts: VerifyRequestOptions): VerifyResult {
  const sig = opts.signature.toLowerCase();
  const base = { ikey: '', skey: opts.skey, method: opts.method, path: opts.path, date: opts.date };
  const candidates: { version: DuoSignatureVersion; digest: DuoDigest; sign: (host: string) => string }[] = [];
  if (sig.length === 40 && !opts.jsonBody) {
    candidates.push({
      version: 2,
      digest: 'sha1',
      sign: (host) => signRequest({ ...base, version: 2, digest: 'sha1', host, params: opts.params }).signature,
    });
  } else if (sig.length === 128) {
    if (!opts.jsonBody) {
      candidates.push({
        version: 2,
        digest: 'sha512',
        sign: (host) => signRequest({ ...base, version: 2, host, params: opts.params }).signature,
      });
    }
    for (const duoHeaders of opts.duoHeaderSets?.length ? opts.duoHeaderSets : [{}]) {
      candidates.push({
        version: 5,
        digest: 'sha512',
        sign: (host) =>
          signRequest({
            ...base,
            version: 5,
            host,
            params: opts.jsonBody ? {} : opts.params,
            body: opts.body,
            duoHeaders,
          }).signature,
      });
    }
  }
  let result: VerifyResult = { valid: false };
  // No early exit: every candidate is computed and compared.
  for (const candidate of candidates) {
    for (const host of opts.hosts) {
      if (constantTimeEqual(candidate.sign(host), sig) && !result.valid) {
        result = { valid: true, version: candidate.version, digest: candidate.digest };
      }
    }
  }
  return result;
}
