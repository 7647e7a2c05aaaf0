/**
 * The emulator's Duo OAuth 2.1 / OIDC app: discovery, /authorize (PKCE S256 required), /token,
 * /token_introspection (RFC 7662), /userinfo, /jwks. PROTOCOLS.md §2.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { constantTimeEqual } from '../duo/signing.js';
import type { Directory } from './directory.js';

export const DEFAULT_CLIENT_SCOPES = ['openid', 'profile', 'email', 'crm.contacts.read', 'crm.contacts.write', 'crm.deals.read'];

export interface OidcConfig {
  clientId: string;
  clientSecret: string;
  /** The client's "Confidential client scopes". */
  clientScopes: string[];
  /** Registered redirect URIs besides any loopback http URI. */
  redirectUris: string[];
  /** User signed in when /authorize gets no login_hint (a browser flow). */
  defaultLoginUser: string;
  directory: Directory;
  issuer: () => string;
  now: () => number;
  maxBodyBytes: number;
  tokenLifetimeSeconds: number;
  codeLifetimeSeconds: number;
  /** Misconfiguration: the application's user access is disabled, so /authorize answers 403. */
  accessDisabled?: boolean;
  /** Misconfiguration: /authorize accepts a request without a PKCE challenge. */
  pkceOptional?: boolean;
}

interface AuthorizationCode {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  username: string;
  scope: string[];
  nonce?: string;
  authTime: number;
  expiresAt: number;
  used: boolean;
  /** Tokens minted from this code, revoked if the code is replayed (RFC 6749 §4.1.2). */
  tokens: string[];
}

interface AccessToken {
  clientId: string;
  username: string;
  scope: string[];
  iat: number;
  exp: number;
}

const CHALLENGE_RE = /^[A-Za-z0-9\-._~]{43,128}$/;
const VERIFIER_RE = /^[A-Za-z0-9\-._~]{43,128}$/;

function isLoopbackRedirect(uri: string): boolean {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) && !url.hash;
}

function oauthError(c: Context, status: ContentfulStatusCode, error: string, description: string): Response {
  c.header('Cache-Control', 'no-store');
  return c.json({ error, error_description: description }, status);
}

function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

function sha256Equal(a: string, b: string): boolean {
  return constantTimeEqual(createHash('sha256').update(a).digest('hex'), createHash('sha256').update(b).digest('hex'));
}

function formDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

function parseBasic(header: string | undefined): { id: string; secret: string } | undefined {
  const match = header ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
}

function signHs256(claims: Record<string, unknown>, secret: string): string {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v), 'utf8').toString('base64url');
  const input = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

async function formBody(c: Context): Promise<URLSearchParams> {
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  if (!type.startsWith('application/x-www-form-urlencoded')) return new URLSearchParams();
  return new URLSearchParams(await c.req.text());
}

export function createOidcApp(cfg: OidcConfig): Hono {
  const codes = new Map<string, AuthorizationCode>();
  const tokens = new Map<string, AccessToken>();
  const nowSeconds = () => Math.floor(cfg.now() / 1000);

  const purge = () => {
    const now = nowSeconds();
    for (const [k, v] of codes) if (v.expiresAt + 600 < now) codes.delete(k);
    for (const [k, v] of tokens) if (v.exp < now) tokens.delete(k);
  };

  const clientMatches = (id: string, secret: string) => sha256Equal(id, cfg.clientId) && sha256Equal(secret, cfg.clientSecret);

  const redirectAllowed = (uri: string) => cfg.redirectUris.includes(uri) || isLoopbackRedirect(uri);

  const lookupToken = (token: string | undefined): AccessToken | undefined => {
    if (!token) return undefined;
    const entry = tokens.get(token);
    if (!entry || entry.exp <= nowSeconds()) return undefined;
    return entry;
  };

  const app = new Hono();
  app.use(
    '*',
    bodyLimit({
      maxSize: cfg.maxBodyBytes,
      onError: (c) => oauthError(c, 413, 'invalid_request', 'Request body too large'),
    }),
  );

  app.get('/.well-known/openid-configuration', (c) => {
    const issuer = cfg.issuer();
    return c.json({
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      userinfo_endpoint: `${issuer}/userinfo`,
      introspection_endpoint: `${issuer}/token_introspection`,
      jwks_uri: `${issuer}/jwks`,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code'],
      code_challenge_methods_supported: ['S256'],
      scopes_supported: [...cfg.clientScopes],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['HS256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      introspection_endpoint_auth_methods_supported: ['client_secret_basic'],
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nonce', 'preferred_username', 'email', 'name'],
    });
  });

  app.get('/jwks', (c) => c.json({ keys: [] }));

  app.get('/authorize', (c) => {
    const q = new URL(c.req.url).searchParams;
    const clientId = q.get('client_id');
    const redirectUri = q.get('redirect_uri');
    // Until client and redirect URI are trusted, errors must not be redirected (RFC 6749 §4.1.2.1).
    if (!clientId) return oauthError(c, 400, 'invalid_request', "Missing 'client_id'");
    if (!sha256Equal(clientId, cfg.clientId)) return oauthError(c, 400, 'invalid_client', 'Unknown client_id');
    if (!redirectUri) return oauthError(c, 400, 'invalid_request', "Missing 'redirect_uri'");
    if (!redirectAllowed(redirectUri)) {
      return oauthError(c, 400, 'invalid_request', 'The redirect_uri is not registered for this client');
    }

    const state = q.get('state');
    const redirect = (params: Record<string, string>) => {
      const target = new URL(redirectUri);
      for (const [k, v] of Object.entries(params)) target.searchParams.set(k, v);
      if (state !== null) target.searchParams.set('state', state);
      c.header('Cache-Control', 'no-store');
      return c.redirect(target.toString(), 302);
    };
    const fail = (error: string, description: string) => redirect({ error, error_description: description });

    if (q.get('response_type') !== 'code') {
      return fail('unsupported_response_type', "Only response_type 'code' is supported");
    }
    // [inferred] Duo shows a 403 page to users of an application whose user access is disabled.
    if (cfg.accessDisabled) return oauthError(c, 403, 'access_denied', 'User access to this application is disabled');
    const challenge = q.get('code_challenge') ?? '';
    const method = q.get('code_challenge_method');
    if (!cfg.pkceOptional || challenge || method) {
      if (!challenge || !method) return fail('invalid_request', "Must specify both 'code_challenge' and 'code_challenge_method'");
      if (method !== 'S256') return fail('invalid_request', "Invalid 'code_challenge_method': only 'S256' is supported");
      if (!CHALLENGE_RE.test(challenge)) return fail('invalid_request', "Invalid 'code_challenge'");
    }

    const requested = (q.get('scope') ?? '').split(/\s+/).filter(Boolean);
    if (requested.length === 0) return fail('invalid_scope', "Missing 'scope'");
    const configured = requested.filter((s) => cfg.clientScopes.includes(s));
    if (configured.length === 0) {
      return fail('invalid_scope', 'There are no scopes requested that are configured for the specified Relying Party');
    }

    // No browser: the hinted user counts as signed in with Duo.
    const username = q.get('login_hint') || cfg.defaultLoginUser;
    const user = cfg.directory.getUser(username);
    if (!user) return fail('access_denied', 'The user is not known to this application');
    const granted = new Set(cfg.directory.scopesOf(user.username));
    // Custom (crm.*) scopes need a per-user grant; standard OIDC scopes do not.
    const scope = configured.filter((s) => !s.startsWith('crm.') || granted.has(s));
    if (scope.length === 0) return fail('access_denied', 'The user is not authorized for any of the requested scopes');

    purge();
    const code = randomToken();
    const nonce = q.get('nonce');
    codes.set(code, {
      clientId: cfg.clientId,
      redirectUri,
      codeChallenge: challenge,
      username: user.username,
      scope,
      ...(nonce ? { nonce } : {}),
      authTime: nowSeconds(),
      expiresAt: nowSeconds() + cfg.codeLifetimeSeconds,
      used: false,
      tokens: [],
    });
    return redirect({ code });
  });

  app.post('/token', async (c) => {
    const form = await formBody(c);
    const basic = parseBasic(c.req.header('authorization'));
    const postId = form.get('client_id');
    const postSecret = form.get('client_secret');
    if (basic && postSecret !== null) {
      return oauthError(c, 400, 'invalid_request', 'Use exactly one client authentication method');
    }
    const creds = basic ?? (postId !== null && postSecret !== null ? { id: postId, secret: postSecret } : undefined);
    if (!creds) {
      c.header('WWW-Authenticate', 'Basic realm="token"');
      return oauthError(c, 401, 'invalid_client', 'Client authentication is required');
    }
    if (!clientMatches(creds.id, creds.secret)) {
      c.header('WWW-Authenticate', 'Basic realm="token"');
      return oauthError(c, 401, 'invalid_client', 'Client authentication failed');
    }

    const grantType = form.get('grant_type');
    if (!grantType) return oauthError(c, 400, 'invalid_request', "Missing 'grant_type'");
    if (grantType !== 'authorization_code') {
      return oauthError(c, 400, 'unsupported_grant_type', `Unsupported grant_type '${grantType}'`);
    }
    const code = form.get('code');
    const redirectUri = form.get('redirect_uri');
    const verifier = form.get('code_verifier');
    if (!code) return oauthError(c, 400, 'invalid_request', "Missing 'code'");
    if (!redirectUri) return oauthError(c, 400, 'invalid_request', "Missing 'redirect_uri'");
    if (!verifier) return oauthError(c, 400, 'invalid_request', "Missing 'code_verifier'");

    const entry = codes.get(code);
    if (!entry || entry.expiresAt <= nowSeconds()) {
      return oauthError(c, 400, 'invalid_grant', 'The authorization code is invalid or expired');
    }
    if (entry.used) {
      for (const t of entry.tokens) tokens.delete(t);
      return oauthError(c, 400, 'invalid_grant', 'The authorization code has already been used');
    }
    // A code is spent by any redemption attempt, successful or not.
    entry.used = true;
    if (!sha256Equal(creds.id, entry.clientId)) {
      return oauthError(c, 400, 'invalid_grant', 'The authorization code was issued to another client');
    }
    if (redirectUri !== entry.redirectUri) {
      return oauthError(c, 400, 'invalid_grant', "The 'redirect_uri' does not match the authorization request");
    }
    const computed = createHash('sha256').update(verifier, 'ascii').digest('base64url');
    const pkceSkipped = cfg.pkceOptional && entry.codeChallenge === '';
    if (!pkceSkipped && (!VERIFIER_RE.test(verifier) || !constantTimeEqual(computed, entry.codeChallenge))) {
      return oauthError(c, 400, 'invalid_grant', 'PKCE verification failed');
    }

    const iat = nowSeconds();
    const accessToken = randomToken();
    tokens.set(accessToken, {
      clientId: entry.clientId,
      username: entry.username,
      scope: entry.scope,
      iat,
      exp: iat + cfg.tokenLifetimeSeconds,
    });
    entry.tokens.push(accessToken);

    const body: Record<string, unknown> = {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: cfg.tokenLifetimeSeconds,
      scope: entry.scope.join(' '),
    };
    if (entry.scope.includes('openid')) {
      const user = cfg.directory.getUser(entry.username);
      body.id_token = signHs256(
        {
          iss: cfg.issuer(),
          sub: entry.username,
          aud: entry.clientId,
          iat,
          exp: iat + cfg.tokenLifetimeSeconds,
          auth_time: entry.authTime,
          ...(entry.nonce ? { nonce: entry.nonce } : {}),
          preferred_username: entry.username,
          ...(user && entry.scope.includes('email') ? { email: user.email } : {}),
          ...(user && entry.scope.includes('profile') ? { name: user.name } : {}),
        },
        cfg.clientSecret,
      );
    }
    c.header('Cache-Control', 'no-store');
    c.header('Pragma', 'no-cache');
    return c.json(body, 200);
  });

  app.post('/token_introspection', async (c) => {
    const basic = parseBasic(c.req.header('authorization'));
    if (!basic || !clientMatches(basic.id, basic.secret)) {
      c.header('WWW-Authenticate', 'Basic realm="token_introspection"');
      return oauthError(c, 401, 'invalid_client', 'Client authentication failed');
    }
    const form = await formBody(c);
    const token = form.get('token');
    if (!token) return oauthError(c, 400, 'invalid_request', "Missing 'token'");
    const entry = lookupToken(token);
    if (!entry) return c.json({ active: false });
    return c.json({
      active: true,
      scope: entry.scope.join(' '),
      sub: entry.username,
      username: entry.username,
      exp: entry.exp,
      iat: entry.iat,
      client_id: entry.clientId,
      iss: cfg.issuer(),
      token_type: 'Bearer',
    });
  });

  const userinfo = (c: Context) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
    const entry = lookupToken(match?.[1]);
    if (!entry) {
      c.header('WWW-Authenticate', 'Bearer error="invalid_token"');
      return oauthError(c, 401, 'invalid_token', 'The access token is invalid or expired');
    }
    const user = cfg.directory.getUser(entry.username);
    // OIDC Core §5.4: claims follow the granted scopes.
    return c.json({
      sub: entry.username,
      preferred_username: entry.username,
      ...(user && entry.scope.includes('email') ? { email: user.email } : {}),
      ...(user && entry.scope.includes('profile') ? { name: user.name } : {}),
    });
  };
  app.get('/userinfo', userinfo);
  app.post('/userinfo', userinfo);

  app.all('*', (c) => oauthError(c, 404, 'not_found', 'Unknown endpoint'));
  return app;
}
