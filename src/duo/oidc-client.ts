/**
 * Duo OIDC / OAuth 2.1 client pieces: discovery, token introspection (RFC 7662) and a programmatic
 * authorization-code + PKCE login for the harness. PROTOCOLS.md §2.
 */
import { createHash, randomBytes } from 'node:crypto';

/** Field names as in the discovery document (OpenID Connect Discovery 1.0 §3). */
export interface OidcEndpoints {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint: string;
  introspection_endpoint: string;
  jwks_uri: string;
  /** False when the endpoints were derived from the issuer because discovery returned 404. */
  discovered: boolean;
  code_challenge_methods_supported?: string[];
  scopes_supported?: string[];
}

export interface IntrospectionResult {
  active: boolean;
  scope?: string;
  sub?: string;
  username?: string;
  exp?: number;
  client_id?: string;
  iss?: string;
  [extra: string]: unknown;
}

export interface PkceLoginResult {
  accessToken: string;
  scope: string;
  expiresIn: number;
  idToken?: string;
}

/** An OAuth/OIDC failure. Never carries the client secret, tokens or codes. */
export class OidcError extends Error {
  override readonly name = 'OidcError';
  readonly httpStatus: number;
  readonly error?: string;
  readonly error_description?: string;

  constructor(message: string, details: { httpStatus: number; error?: string; error_description?: string }, options?: { cause?: unknown }) {
    super(message, options);
    this.httpStatus = details.httpStatus;
    if (details.error !== undefined) this.error = details.error;
    if (details.error_description !== undefined) this.error_description = details.error_description;
  }
}

const DEFAULT_TIMEOUT_MS = 15_000;

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** RFC 6749 §2.3.1: client_id and secret are form-urlencoded before Basic encoding. */
export function clientSecretBasic(clientId: string, clientSecret: string): string {
  const enc = (s: string) => new URLSearchParams({ v: s }).toString().slice(2);
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(clientSecret)}`, 'utf8').toString('base64')}`;
}

export function base64url(buf: Buffer): string {
  return buf.toString('base64url');
}

/** RFC 7636: a 43-char verifier from 32 random bytes and its S256 challenge. */
export function createPkcePair(): { verifier: string; challenge: string } {
  const verifier = base64url(randomBytes(32));
  return { verifier, challenge: base64url(createHash('sha256').update(verifier, 'ascii').digest()) };
}

async function request(url: string, init: RequestInit, what: string): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: init.signal ?? AbortSignal.timeout(DEFAULT_TIMEOUT_MS) });
  } catch (error) {
    const cause = (error as { cause?: { code?: unknown } }).cause;
    const reason =
      error instanceof Error && error.name === 'TimeoutError'
        ? `no answer within ${DEFAULT_TIMEOUT_MS} ms`
        : typeof cause?.code === 'string'
          ? cause.code
          : error instanceof Error
            ? error.message
            : String(error);
    throw new OidcError(`Could not reach ${what} at ${new URL(url).origin}: ${reason}`, { httpStatus: 0 }, { cause: error });
  }
}

async function readJson(response: Response, what: string): Promise<Record<string, unknown>> {
  const text = await response.text();
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new OidcError(`${what} returned a non-JSON response (HTTP ${response.status})`, {
    httpStatus: response.ok ? 0 : response.status,
  });
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function oauthError(what: string, status: number, body: Record<string, unknown> | undefined): OidcError {
  const error = str(body?.error);
  const description = str(body?.error_description) ?? str(body?.error_message);
  const summary = [error, description].filter(Boolean).join(': ');
  return new OidcError(`${what} failed (HTTP ${status})${summary ? `: ${summary}` : ''}`, {
    httpStatus: status,
    error,
    error_description: description,
  });
}

/** Reads `<issuer>/.well-known/openid-configuration`; on 404 derives Duo's paths from the issuer. */
export async function discover(issuer: string, options: { signal?: AbortSignal } = {}): Promise<OidcEndpoints> {
  const base = trimSlash(issuer);
  const derived: OidcEndpoints = {
    issuer: base,
    authorization_endpoint: `${base}/authorize`,
    token_endpoint: `${base}/token`,
    userinfo_endpoint: `${base}/userinfo`,
    introspection_endpoint: `${base}/token_introspection`,
    jwks_uri: `${base}/jwks`,
    discovered: false,
  };
  const response = await request(
    `${base}/.well-known/openid-configuration`,
    { headers: { Accept: 'application/json' }, signal: options.signal },
    'OIDC discovery',
  );
  if (response.status === 404) {
    await response.body?.cancel();
    return derived;
  }
  if (!response.ok) {
    const body = await readJson(response, 'OIDC discovery').catch(() => undefined);
    throw oauthError('OIDC discovery', response.status, body);
  }
  const doc = await readJson(response, 'OIDC discovery');
  const list = (v: unknown) => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined);
  const endpoints: OidcEndpoints = {
    issuer: str(doc.issuer) ?? derived.issuer,
    authorization_endpoint: str(doc.authorization_endpoint) ?? derived.authorization_endpoint,
    token_endpoint: str(doc.token_endpoint) ?? derived.token_endpoint,
    userinfo_endpoint: str(doc.userinfo_endpoint) ?? derived.userinfo_endpoint,
    introspection_endpoint: str(doc.introspection_endpoint) ?? derived.introspection_endpoint,
    jwks_uri: str(doc.jwks_uri) ?? derived.jwks_uri,
    discovered: true,
  };
  const methods = list(doc.code_challenge_methods_supported);
  if (methods) endpoints.code_challenge_methods_supported = methods;
  const scopes = list(doc.scopes_supported);
  if (scopes) endpoints.scopes_supported = scopes;
  return endpoints;
}

export async function introspectToken(opts: {
  introspectionUrl: string;
  clientId: string;
  clientSecret: string;
  token: string;
}): Promise<IntrospectionResult> {
  const response = await request(
    opts.introspectionUrl,
    {
      method: 'POST',
      headers: {
        Authorization: clientSecretBasic(opts.clientId, opts.clientSecret),
        'Content-Type': 'application/x-www-form-urlencoded',
        Accept: 'application/json',
      },
      body: new URLSearchParams({ token: opts.token }).toString(),
    },
    'Token introspection',
  );
  if (!response.ok) {
    const body = await readJson(response, 'Token introspection').catch(() => undefined);
    throw oauthError('Token introspection', response.status, body);
  }
  const body = await readJson(response, 'Token introspection');
  if (typeof body.active !== 'boolean') {
    throw new OidcError('Token introspection returned no boolean "active"', { httpStatus: 0 });
  }
  return body as IntrospectionResult;
}

function decodeJwtPayload(jwt: string): Record<string, unknown> | undefined {
  const part = jwt.split('.')[1];
  if (!part) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The harness's stand-in for "the user signed in through a browser": authorization code + PKCE (S256) with
 * `login_hint`, following the redirect by hand. Works against the emulator, which signs the hinted user in
 * directly; a real Duo answers with its login page, reported as an OidcError.
 */
export async function loginWithPkce(opts: {
  issuer: string;
  clientId: string;
  clientSecret: string;
  username: string;
  scopes: string[];
  redirectUri: string;
}): Promise<PkceLoginResult> {
  const endpoints = await discover(opts.issuer);
  const { verifier, challenge } = createPkcePair();
  const state = base64url(randomBytes(16));
  const nonce = base64url(randomBytes(16));

  const authorizeUrl = new URL(endpoints.authorization_endpoint);
  for (const [k, v] of Object.entries({
    response_type: 'code',
    client_id: opts.clientId,
    redirect_uri: opts.redirectUri,
    scope: opts.scopes.join(' '),
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    login_hint: opts.username,
  })) {
    authorizeUrl.searchParams.set(k, v);
  }

  const authResponse = await request(authorizeUrl.toString(), { redirect: 'manual' }, 'The authorize endpoint');
  const location = authResponse.headers.get('location');
  if (authResponse.status < 300 || authResponse.status >= 400 || !location) {
    const body = authResponse.status >= 400 ? await readJson(authResponse, 'Authorize').catch(() => undefined) : undefined;
    if (!body) await authResponse.body?.cancel().catch(() => undefined);
    if (body?.error) throw oauthError('Authorize', authResponse.status, body);
    throw new OidcError(`Authorize did not redirect back (HTTP ${authResponse.status}); an interactive browser sign-in is required`, {
      httpStatus: authResponse.status,
    });
  }
  await authResponse.body?.cancel().catch(() => undefined);

  const redirected = new URL(location, authorizeUrl);
  const expected = new URL(opts.redirectUri);
  if (redirected.origin !== expected.origin || redirected.pathname !== expected.pathname) {
    throw new OidcError(
      `Authorize redirected to ${redirected.origin}${redirected.pathname} instead of the redirect URI; an interactive browser sign-in is required`,
      { httpStatus: authResponse.status },
    );
  }
  const q = redirected.searchParams;
  const error = q.get('error');
  if (error) {
    const description = q.get('error_description') ?? undefined;
    throw new OidcError(`Authorization failed: ${description ?? error}`, {
      httpStatus: authResponse.status,
      error,
      error_description: description,
    });
  }
  if (q.get('state') !== state) {
    throw new OidcError('Authorization response state does not match the request (possible CSRF)', {
      httpStatus: authResponse.status,
      error: 'invalid_state',
    });
  }
  const code = q.get('code');
  if (!code) throw new OidcError('Authorization response carries no code', { httpStatus: authResponse.status });

  const tokenResponse = await request(
    endpoints.token_endpoint,
    {
      method: 'POST',
      headers: {
        Authorization: clientSecretBasic(opts.clientId, opts.clientSecret),
        'Content-Type': 'application/x-www-form-urlencoded',
        Accept: 'application/json',
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: opts.redirectUri,
        code_verifier: verifier,
      }).toString(),
    },
    'The token endpoint',
  );
  const tokenBody = await readJson(tokenResponse, 'Token exchange').catch((e: unknown) => {
    if (!tokenResponse.ok) return undefined;
    throw e;
  });
  if (!tokenResponse.ok || !tokenBody) throw oauthError('Token exchange', tokenResponse.status, tokenBody);
  const accessToken = str(tokenBody.access_token);
  if (!accessToken) throw new OidcError('Token response carries no access_token', { httpStatus: 0 });

  const idToken = str(tokenBody.id_token);
  if (idToken) {
    const claims = decodeJwtPayload(idToken);
    if (claims && claims.nonce !== undefined && claims.nonce !== nonce) {
      throw new OidcError('ID token nonce does not match the request', { httpStatus: 0, error: 'invalid_nonce' });
    }
  }
  const result: PkceLoginResult = {
    accessToken,
    // RFC 6749 §5.1: scope may be omitted when it equals the requested one.
    scope: str(tokenBody.scope) ?? opts.scopes.join(' '),
    expiresIn: typeof tokenBody.expires_in === 'number' ? tokenBody.expires_in : Number(tokenBody.expires_in ?? 0),
  };
  if (idToken) result.idToken = idToken;
  return result;
}
