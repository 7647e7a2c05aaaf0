/** Verifies Duo-signed requests the way Duo's API does, answering with Duo's 401 codes. PROTOCOLS.md §1.1. */
import type { Context } from 'hono';
import { constantTimeEqual, parseAuthorization, verifyRequest, type DuoParams } from '../duo/signing.js';
import { DUO_ERRORS, type DuoFailure } from './envelope.js';

export interface SignatureCheckConfig {
  ikey: string;
  skey: string;
  clockSkewSeconds: number;
  now: () => number;
}

export type CheckedRequest = { ok: true; params: DuoParams; version: 2 | 5; json: boolean } | { ok: false; failure: DuoFailure };

export function paramsFromSearch(search: URLSearchParams): DuoParams {
  const params: DuoParams = {};
  for (const [k, v] of search) {
    const prev = params[k];
    params[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return params;
}

/** JSON (v5) bodies: string values kept, numbers and booleans stringified, anything else rejected. */
function paramsFromJson(body: string): DuoParams | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body === '' ? '{}' : body);
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const params: DuoParams = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (typeof v === 'string') params[k] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') params[k] = String(v);
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) params[k] = v as string[];
    else return undefined;
  }
  return params;
}

function duoHeaderSets(c: Context): Record<string, string>[] {
  const all: Record<string, string> = {};
  c.req.raw.headers.forEach((value, name) => {
    if (name.startsWith('x-duo-')) all[name] = value;
  });
  const sets = [all];
  // A client may send X-Duo-Date as its date header without listing it among the signed extra headers.
  if ('x-duo-date' in all) {
    const { ['x-duo-date']: _date, ...rest } = all;
    sets.push(rest);
  }
  return sets;
}

export async function checkSignedRequest(c: Context, cfg: SignatureCheckConfig): Promise<CheckedRequest> {
  const fail = (failure: DuoFailure): CheckedRequest => ({ ok: false, failure });
  const url = new URL(c.req.url);
  const method = c.req.method.toUpperCase();
  const body = method === 'GET' || method === 'HEAD' ? '' : await c.req.text();
  const json = method !== 'GET' && (c.req.header('content-type') ?? '').toLowerCase().startsWith('application/json');
  const rawParams = method === 'GET' ? paramsFromSearch(url.searchParams) : json ? {} : paramsFromSearch(new URLSearchParams(body));

  const credentials = parseAuthorization(c.req.header('authorization'));
  const date = c.req.header('x-duo-date') ?? c.req.header('date');
  if (!credentials || !date) return fail(DUO_ERRORS.missingCredentials());
  if (!constantTimeEqual(credentials.ikey, cfg.ikey)) return fail(DUO_ERRORS.invalidIkey());

  // Duo signs over the date, so a date outside the window fails like any tampered signature.
  const signedAt = Date.parse(date);
  if (Number.isNaN(signedAt) || Math.abs(cfg.now() - signedAt) > cfg.clockSkewSeconds * 1000) {
    return fail(DUO_ERRORS.invalidSignature());
  }

  const hostHeader = (c.req.header('host') ?? url.host).toLowerCase();
  // duo_unix's mockduo signs the host without the port; current clients keep it. Accept both.
  const hosts = [...new Set([hostHeader, hostHeader.replace(/:\d+$/, '')])];
  const verdict = verifyRequest({
    signature: credentials.signature,
    skey: cfg.skey,
    method,
    hosts,
    path: url.pathname,
    params: rawParams,
    date,
    body,
    jsonBody: json,
    duoHeaderSets: duoHeaderSets(c),
  });
  if (!verdict.valid || !verdict.version) return fail(DUO_ERRORS.invalidSignature());

  if (json) {
    const params = paramsFromJson(body);
    if (!params) return fail(DUO_ERRORS.invalidParams('body'));
    return { ok: true, params, version: verdict.version, json };
  }
  return { ok: true, params: rawParams, version: verdict.version, json };
}
