import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcError, clientSecretBasic, discover, introspectToken, loginWithPkce, type OidcEndpoints } from '../src/duo/oidc-client.js';
import { startDuoEmulator, type DuoEmulator } from '../src/emulator/index.js';

const CRM = ['crm.contacts.read', 'crm.contacts.write', 'crm.deals.read'];
const REDIRECT_URI = 'http://127.0.0.1:9/callback';

let emu: DuoEmulator;
let endpoints: OidcEndpoints;

beforeAll(async () => {
  emu = await startDuoEmulator();
  endpoints = await discover(emu.issuer);
});

afterAll(async () => {
  await emu.close();
});

function login(scopes = ['openid', 'profile', 'email', ...CRM], username = 'demouser') {
  return loginWithPkce({
    issuer: emu.issuer,
    clientId: emu.credentials.clientId,
    clientSecret: emu.credentials.clientSecret,
    username,
    scopes,
    redirectUri: REDIRECT_URI,
  });
}

function introspect(token: string) {
  return introspectToken({
    introspectionUrl: endpoints.introspection_endpoint,
    clientId: emu.credentials.clientId,
    clientSecret: emu.credentials.clientSecret,
    token,
  });
}

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** GET /authorize without following the redirect; returns the Location's parameters. */
async function authorize(params: Record<string, string>) {
  const url = new URL(endpoints.authorization_endpoint);
  const all: Record<string, string> = {
    response_type: 'code',
    client_id: emu.credentials.clientId,
    redirect_uri: REDIRECT_URI,
    scope: 'openid crm.contacts.read',
    state: 'st-1',
    login_hint: 'demouser',
    ...params,
  };
  for (const [k, v] of Object.entries(all)) if (v !== '') url.searchParams.set(k, v);
  const res = await fetch(url, { redirect: 'manual' });
  const location = res.headers.get('location');
  return { res, query: location ? new URL(location).searchParams : undefined };
}

async function token(form: Record<string, string>, auth = clientSecretBasic(emu.credentials.clientId, emu.credentials.clientSecret)) {
  const res = await fetch(endpoints.token_endpoint, {
    method: 'POST',
    headers: { Authorization: auth, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', redirect_uri: REDIRECT_URI, ...form }).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function freshCode() {
  const { verifier, challenge } = pkce();
  const { query } = await authorize({ code_challenge: challenge, code_challenge_method: 'S256' });
  const code = query?.get('code');
  if (!code) throw new Error('no code');
  return { code, verifier };
}

describe('discovery', () => {
  it('serves the discovery document with PKCE S256 only', async () => {
    expect(endpoints).toMatchObject({
      issuer: emu.issuer,
      discovered: true,
      authorization_endpoint: `${emu.issuer}/authorize`,
      token_endpoint: `${emu.issuer}/token`,
      userinfo_endpoint: `${emu.issuer}/userinfo`,
      introspection_endpoint: `${emu.issuer}/token_introspection`,
      jwks_uri: `${emu.issuer}/jwks`,
      code_challenge_methods_supported: ['S256'],
    });
    const doc = (await (await fetch(`${emu.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(doc.token_endpoint_auth_methods_supported).toEqual(['client_secret_basic', 'client_secret_post']);
    expect(doc.response_types_supported).toEqual(['code']);
  });

  it('falls back to Duo-derived paths when discovery is absent (404)', async () => {
    const missing = `${emu.authApiUrl}/oauth2/DIUNKNOWNAPP00000000/`;
    await expect(discover(missing)).resolves.toMatchObject({
      discovered: false,
      issuer: `${emu.authApiUrl}/oauth2/DIUNKNOWNAPP00000000`,
      token_endpoint: `${emu.authApiUrl}/oauth2/DIUNKNOWNAPP00000000/token`,
      introspection_endpoint: `${emu.authApiUrl}/oauth2/DIUNKNOWNAPP00000000/token_introspection`,
    });
  });
});

describe('login with PKCE', () => {
  it('issues a token that introspects active with the three CRM scopes', async () => {
    const result = await login();
    expect(result.expiresIn).toBe(3600);
    expect(result.scope.split(' ').sort()).toEqual(['email', 'openid', 'profile', ...CRM].sort());
    expect(result.idToken).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);

    const info = await introspect(result.accessToken);
    expect(info).toMatchObject({
      active: true,
      sub: 'demouser',
      username: 'demouser',
      client_id: emu.credentials.clientId,
      iss: emu.issuer,
      token_type: 'Bearer',
    });
    expect(info.scope?.split(' ')).toEqual(expect.arrayContaining(CRM));
    expect(info.exp).toBeGreaterThan(Date.now() / 1000);

    const userinfo = await fetch(endpoints.userinfo_endpoint, { headers: { Authorization: `Bearer ${result.accessToken}` } });
    expect(await userinfo.json()).toEqual({
      sub: 'demouser',
      preferred_username: 'demouser',
      email: 'demouser@example.com',
      name: 'Demo User',
    });
  });

  it('unknown tokens introspect inactive', async () => {
    await expect(introspect('not-a-token')).resolves.toEqual({ active: false });
  });

  it('drops requested scopes the client is not configured for', async () => {
    const result = await login(['openid', 'crm.contacts.read', 'crm.admin']);
    expect(result.scope).toBe('openid crm.contacts.read');
  });
});

describe('authorize errors', () => {
  it('without code_challenge: the Duo PKCE error, redirected with state', async () => {
    const { res, query } = await authorize({});
    expect(res.status).toBe(302);
    expect(query?.get('error')).toBe('invalid_request');
    expect(query?.get('error_description')).toBe("Must specify both 'code_challenge' and 'code_challenge_method'");
    expect(query?.get('state')).toBe('st-1');
  });

  it('loginWithPkce surfaces an error redirect as OidcError', async () => {
    const error = await login(['crm.admin']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OidcError);
    expect((error as OidcError).error).toBe('invalid_scope');
    expect((error as OidcError).message).toContain('configured for the specified Relying Party');
  });

  it('rejects the plain method', async () => {
    const { verifier } = pkce();
    const { query } = await authorize({ code_challenge: verifier, code_challenge_method: 'plain' });
    expect(query?.get('error')).toBe('invalid_request');
    expect(query?.get('code')).toBeNull();
  });

  it('an unregistered redirect_uri gets a 400 JSON error, not a redirect', async () => {
    const { challenge } = pkce();
    const { res } = await authorize({
      redirect_uri: 'https://evil.example.com/cb',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
  });
});

describe('token endpoint', () => {
  it('a wrong code_verifier is invalid_grant', async () => {
    const { code } = await freshCode();
    const { status, body } = await token({ code, code_verifier: pkce().verifier });
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_grant');
  });

  it('a code works once', async () => {
    const { code, verifier } = await freshCode();
    const first = await token({ code, code_verifier: verifier });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    const second = await token({ code, code_verifier: verifier });
    expect(second.status).toBe(400);
    expect(second.body.error).toBe('invalid_grant');
    // Replaying a code revokes what it issued.
    await expect(introspect(String(first.body.access_token))).resolves.toEqual({ active: false });
  });

  it('accepts client_secret_post and rejects bad client credentials with 401', async () => {
    const { code, verifier } = await freshCode();
    const res = await fetch(endpoints.token_endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        code_verifier: verifier,
        redirect_uri: REDIRECT_URI,
        client_id: emu.credentials.clientId,
        client_secret: emu.credentials.clientSecret,
      }).toString(),
    });
    expect(res.status).toBe(200);

    const again = await freshCode();
    const bad = await token({ code: again.code, code_verifier: again.verifier }, clientSecretBasic(emu.credentials.clientId, 'wrong'));
    expect(bad.status).toBe(401);
    expect(bad.body.error).toBe('invalid_client');
  });
});

describe('introspection authentication', () => {
  it('requires client_secret_basic: none or wrong → 401 invalid_client', async () => {
    const { accessToken } = await login();
    const none = await fetch(endpoints.introspection_endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: accessToken }).toString(),
    });
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: 'invalid_client' });

    const error = await introspectToken({
      introspectionUrl: endpoints.introspection_endpoint,
      clientId: emu.credentials.clientId,
      clientSecret: 'wrong-secret-value',
      token: accessToken,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OidcError);
    expect((error as OidcError).httpStatus).toBe(401);
    expect((error as OidcError).error).toBe('invalid_client');
    expect((error as OidcError).message).not.toContain('wrong-secret-value');
    expect((error as OidcError).message).not.toContain(accessToken);
  });
});

describe('scope grants in the directory', () => {
  it('revoking affects the next login, and granting restores it', async () => {
    const before = await login();
    try {
      emu.directory.revoke('demouser', 'crm.contacts.write');
      expect(emu.directory.scopesOf('demouser')).not.toContain('crm.contacts.write');

      const after = await login();
      expect(after.scope.split(' ')).not.toContain('crm.contacts.write');
      const info = await introspect(after.accessToken);
      expect(info.scope?.split(' ')).not.toContain('crm.contacts.write');
      expect(info.scope?.split(' ')).toContain('crm.contacts.read');

      // A token keeps the scope it was issued with.
      expect((await introspect(before.accessToken)).scope?.split(' ')).toContain('crm.contacts.write');
    } finally {
      emu.directory.grant('demouser', 'crm.contacts.write');
    }
    const restored = await login();
    expect((await introspect(restored.accessToken)).scope?.split(' ')).toContain('crm.contacts.write');
  });
});
