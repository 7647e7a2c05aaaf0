import { deadline } from '../deadline.js';
/**
 * Duo Auth API v2 client (https://duo.com/docs/authapi), signing like Duo's reference clients. PROTOCOLS.md §1.
 */
import { canonParams, duoEncode, rfc2822Date, signRequest } from './signing.js';

export interface DuoAuthClientOptions {
  /** `https://api-xxxxxxxx.duosecurity.com`, or the emulator's `http://127.0.0.1:PORT`. */
  baseUrl: string;
  ikey: string;
  skey: string;
  /** 2 (form-encoded, default) or 5 (JSON POST bodies). Always HMAC-SHA512. */
  signatureVersion?: 2 | 5;
  /** Per-request timeout. Default 65 s: a synchronous push waits up to Duo's ~60 s push lifetime. */
  timeoutMs?: number;
  /** Source of the signed Date (e.g. corrected by the offset measured with ping()). */
  clock?: () => Date;
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** Overrides the client's timeoutMs for this call. */
  timeoutMs?: number;
}

export interface DuoDevice {
  device: string;
  type: string;
  name?: string;
  display_name?: string;
  number?: string;
  capabilities: string[];
  [extra: string]: unknown;
}

export interface PreauthResponse {
  result: 'auth' | 'allow' | 'deny' | 'enroll';
  status_msg: string;
  /** Present when result is `auth`. */
  devices?: DuoDevice[];
  /** Present when result is `enroll`. */
  enroll_portal_url?: string;
  [extra: string]: unknown;
}

export interface AuthResult {
  result: 'allow' | 'deny' | 'waiting';
  status: string;
  status_msg: string;
}

export interface AuthOptions {
  username: string;
  factor: 'push';
  /** `auto` (default) or a device id from preauth. */
  device?: 'auto' | string;
  async?: boolean;
  /** Push title shown in Duo Mobile. */
  type?: string;
  displayUsername?: string;
  /** Key/value pairs Duo Mobile shows with the push; sent as one form-encoded `pushinfo` param. */
  pushinfo?: Record<string, string>;
}

/** Duo answered with an error, or could not be reached (httpStatus 0). Never carries the skey or Authorization. */
export class DuoApiError extends Error {
  override readonly name = 'DuoApiError';
  readonly httpStatus: number;
  readonly code?: number;
  readonly duoMessage?: string;
  readonly messageDetail?: string;

  constructor(
    message: string,
    details: { httpStatus: number; code?: number; duoMessage?: string; messageDetail?: string },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.httpStatus = details.httpStatus;
    if (details.code !== undefined) this.code = details.code;
    if (details.duoMessage !== undefined) this.duoMessage = details.duoMessage;
    if (details.messageDetail !== undefined) this.messageDetail = details.messageDetail;
  }
}

/** `pushinfo` is itself a form-encoded string; it is encoded again as a parameter value on the wire. */
export function encodePushinfo(pushinfo: Record<string, string>): string {
  return Object.entries(pushinfo)
    .map(([k, v]) => `${duoEncode(k)}=${duoEncode(v)}`)
    .join('&');
}

const DEFAULT_TIMEOUT_MS = 65_000;

export class DuoAuthClient {
  private readonly baseUrl: URL;
  private readonly ikey: string;
  private readonly skey: string;
  private readonly version: 2 | 5;
  private readonly timeoutMs: number;
  private readonly clock: () => Date;

  constructor(opts: DuoAuthClientOptions) {
    let url: URL;
    try {
      url = new URL(opts.baseUrl);
    } catch {
      throw new TypeError(`Invalid Duo API base URL: ${opts.baseUrl}`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new TypeError(`Duo API base URL must be http(s): ${opts.baseUrl}`);
    }
    this.baseUrl = url;
    this.ikey = opts.ikey;
    this.skey = opts.skey;
    this.version = opts.signatureVersion ?? 2;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.clock = opts.clock ?? (() => new Date());
  }

  /** The host that gets signed: lower case, with the port when the URL has one. */
  get host(): string {
    return this.baseUrl.host.toLowerCase();
  }

  /** Unsigned liveness check; `time` (unix seconds) lets a caller measure clock offset. */
  async ping(opts?: RequestOptions): Promise<{ time: number }> {
    return this.call<{ time: number }>('GET', '/auth/v2/ping', {}, opts, false);
  }

  /** Signed: proves ikey, skey and host are right. */
  async check(opts?: RequestOptions): Promise<{ time: number }> {
    return this.call<{ time: number }>('GET', '/auth/v2/check', {}, opts);
  }

  async preauth(params: { username: string }, opts?: RequestOptions): Promise<PreauthResponse> {
    return this.call<PreauthResponse>('POST', '/auth/v2/preauth', { username: params.username }, opts);
  }

  auth(params: AuthOptions & { async: true }, opts?: RequestOptions): Promise<{ txid: string }>;
  auth(params: AuthOptions & { async?: false }, opts?: RequestOptions): Promise<AuthResult>;
  auth(params: AuthOptions, opts?: RequestOptions): Promise<{ txid: string } | AuthResult>;
  async auth(params: AuthOptions, opts?: RequestOptions): Promise<{ txid: string } | AuthResult> {
    const form: Record<string, string> = {
      username: params.username,
      factor: params.factor,
      device: params.device ?? 'auto',
    };
    if (params.async) form.async = '1';
    if (params.type !== undefined) form.type = params.type;
    if (params.displayUsername !== undefined) form.display_username = params.displayUsername;
    if (params.pushinfo && Object.keys(params.pushinfo).length > 0) form.pushinfo = encodePushinfo(params.pushinfo);
    return this.call<{ txid: string } | AuthResult>('POST', '/auth/v2/auth', form, opts);
  }

  /** Long-polls on Duo's side: it may take a while to answer when nothing changed. */
  async authStatus(txid: string, opts?: RequestOptions): Promise<AuthResult & { auth_delayed?: boolean }> {
    return this.call<AuthResult & { auth_delayed?: boolean }>('GET', '/auth/v2/auth_status', { txid }, opts);
  }

  private async call<T>(
    method: 'GET' | 'POST',
    path: string,
    params: Record<string, string>,
    opts: RequestOptions | undefined,
    signed = true,
  ): Promise<T> {
    const fullPath = `${this.baseUrl.pathname.replace(/\/+$/, '')}${path}`;
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'duo-arcade' };
    let query = '';
    let body: string | undefined;

    if (method === 'GET') {
      query = canonParams(params);
    } else if (this.version === 5) {
      body = JSON.stringify(Object.fromEntries(Object.entries(params).sort(([a], [b]) => (a < b ? -1 : 1))));
      headers['Content-Type'] = 'application/json';
    } else {
      body = canonParams(params);
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
    }

    if (signed) {
      const date = rfc2822Date(this.clock());
      const v5JsonPost = this.version === 5 && method === 'POST';
      const { authorization } = signRequest({
        version: this.version,
        ikey: this.ikey,
        skey: this.skey,
        method,
        host: this.host,
        path: fullPath,
        params: v5JsonPost ? {} : params,
        body: body ?? '',
        date,
      });
      headers.Date = date;
      headers.Authorization = authorization;
    }

    const url = `${this.baseUrl.origin}${fullPath}${query ? `?${query}` : ''}`;
    const timeoutMs = opts?.timeoutMs ?? this.timeoutMs;
    const { signal, clear } = deadline(timeoutMs, opts?.signal);
    const where = `${method} ${path} on ${this.host}`;

    let response: Response;
    let text: string;
    try {
      response = await fetch(url, { method, headers, body, signal, redirect: 'manual' });
      text = await response.text();
    } catch (error) {
      if (signal.aborted && !opts?.signal?.aborted) {
        throw new DuoApiError(`Duo did not answer ${where} within ${timeoutMs} ms`, { httpStatus: 0 }, { cause: error });
      }
      if (opts?.signal?.aborted) {
        throw new DuoApiError(`Request ${where} was cancelled`, { httpStatus: 0 }, { cause: error });
      }
      throw new DuoApiError(`Could not reach Duo (${where}): ${describeNetworkError(error)}`, { httpStatus: 0 }, { cause: error });
    } finally {
      clear();
    }

    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new DuoApiError(`Duo returned a non-JSON response to ${where} (HTTP ${response.status})`, {
        httpStatus: response.status === 200 ? 0 : response.status,
      });
    }
    const envelope = (json ?? {}) as { stat?: unknown; response?: unknown; code?: unknown; message?: unknown; message_detail?: unknown };

    if (response.ok && envelope.stat === 'OK' && envelope.response !== undefined) return envelope.response as T;

    const code = typeof envelope.code === 'number' ? envelope.code : undefined;
    const duoMessage = typeof envelope.message === 'string' ? envelope.message : undefined;
    const messageDetail = typeof envelope.message_detail === 'string' ? envelope.message_detail : undefined;
    if (response.ok) {
      throw new DuoApiError(`Duo returned an unexpected response to ${where}`, {
        httpStatus: 0,
        code,
        duoMessage,
        messageDetail,
      });
    }
    const summary = [code !== undefined ? String(code) : undefined, duoMessage].filter(Boolean).join(' ');
    const message =
      `Duo rejected ${where}: HTTP ${response.status}` + (summary ? ` ${summary}` : '') + (messageDetail ? ` (${messageDetail})` : '');
    throw new DuoApiError(message, { httpStatus: response.status, code, duoMessage, messageDetail });
  }
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
