import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { UserError } from '../src/errors.js';
import { EMPTY_DIR } from './support/stack.js';

const LIVE = {
  DUO_OIDC_ISSUER: 'https://sso-abc.sso.duosecurity.com/oauth2/DIAPP',
  DUO_CLIENT_ID: 'DICLIENT',
  DUO_CLIENT_SECRET: 'client-secret-value',
  DUO_AUTH_HOST: 'api-1234abcd.duosecurity.com',
  DUO_AUTH_IKEY: 'DIIKEY',
  DUO_AUTH_SKEY: 'skey-secret-value',
  DUO_STEPUP_USERNAME: 'alice',
  HOOK_BEARER_TOKEN: 'bearer-secret-value-long-enough',
};

const load = (env: Record<string, string>, flags = {}, cwd = EMPTY_DIR) => loadConfig({ env, cwd, flags });
const failure = (fn: () => unknown): UserError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error('expected a UserError');
};

describe('mode selection', () => {
  it('is local, and says why, with no Duo settings', () => {
    const config = load({});
    expect(config.mode).toBe('local');
    expect(config.modeReason).toMatch(/no Duo account/);
    expect(config.hookBearerGenerated).toBe(true);
  });

  it('is live when the issuer and the Auth API host are set', () => {
    const config = load(LIVE);
    expect(config.mode).toBe('live');
    expect(config.duo.authApiUrl).toBe('https://api-1234abcd.duosecurity.com');
  });

  it('stays local with partial settings and names them', () => {
    const config = load({ DUO_AUTH_HOST: LIVE.DUO_AUTH_HOST });
    expect(config.mode).toBe('local');
    expect(config.modeReason).toMatch(/only DUO_AUTH_HOST/);
  });

  it('follows --local over a full live configuration, and DUO_ARCADE_MODE', () => {
    expect(load(LIVE, { mode: 'local' }).mode).toBe('local');
    expect(load({ ...LIVE, DUO_ARCADE_MODE: 'local' }).modeReason).toBe('DUO_ARCADE_MODE=local');
  });

  it('names every missing live variable at once', () => {
    const error = failure(() => load({}, { mode: 'live' }));
    for (const name of [
      'DUO_OIDC_ISSUER',
      'DUO_CLIENT_ID',
      'DUO_CLIENT_SECRET',
      'DUO_AUTH_HOST',
      'DUO_AUTH_IKEY',
      'DUO_AUTH_SKEY',
      'HOOK_BEARER_TOKEN',
    ]) {
      expect(error.message).toContain(name);
    }
  });
});

describe('invalid values', () => {
  it('rejects a malformed issuer, a non-Duo host in live mode and a non-numeric port in one error', () => {
    const error = failure(() => load({ ...LIVE, DUO_OIDC_ISSUER: 'not a url', DUO_AUTH_HOST: 'example.com', PORT: 'eighty' }));
    expect(error.message).toContain('DUO_OIDC_ISSUER="not a url" is not a URL');
    expect(error.message).toContain('DUO_AUTH_HOST="example.com" is not a Duo API hostname');
    expect(error.message).toContain('PORT="eighty" is not a port number');
  });

  it('accepts plain http only on loopback', () => {
    expect(() =>
      load({ ...LIVE, DUO_OIDC_ISSUER: 'http://127.0.0.1:9000/oauth2/x', DUO_AUTH_HOST: 'http://127.0.0.1:9000' }),
    ).not.toThrow();
    expect(failure(() => load({ ...LIVE, DUO_OIDC_ISSUER: 'http://duo.example.com/x' })).message).toMatch(/must use https/);
  });

  it('never quotes a password, query or token-like value from a URL setting it rejects', () => {
    const secret = 'hunter2secretpw0123456789';
    const error = failure(() =>
      load({
        ...LIVE,
        PUBLIC_URL: `https://user:${secret}@tunnel.example.com`,
        DUO_OIDC_ISSUER: `http://duo.example.com/oauth2/DI?key=${secret}`,
        DUO_INTROSPECTION_URL: secret,
      }),
    );
    expect(error.message).not.toContain(secret);
    expect(error.message).toContain('PUBLIC_URL: "https://•••@tunnel.example.com/" must be a plain base URL');
    expect(error.message).toContain('DUO_OIDC_ISSUER="http://duo.example.com/oauth2/DI?…" must use https');
    expect(error.message).toContain(`DUO_INTROSPECTION_URL="hunt… (${secret.length} characters)" is not a URL`);
  });

  it('rejects a --port that is not a number as a usage error (exit 2)', () => {
    expect(failure(() => load({}, { port: 'abc' })).exitCode).toBe(2);
  });

  it('refuses a port fetch will not connect to (6000, 1 …), which would leave every tool call failing', () => {
    expect(failure(() => load({}, { port: '6000' }))).toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/--port 6000 is a port that fetch refuses/),
    });
    expect(failure(() => load({ PORT: '1' })).message).toMatch(/PORT 1 is a port that fetch refuses/);
    expect(load({}, { port: '6001' }).port).toBe(6001);
  });

  it('bounds HOOK_TIMEOUT_MS by Arcade’s 30 s maximum', () => {
    expect(failure(() => load({ HOOK_TIMEOUT_MS: '45000' })).message).toMatch(/30 s/);
    expect(load({ HOOK_TIMEOUT_MS: '10000' }).hookTimeoutMs).toBe(10_000);
  });

  it('rejects unknown switch values', () => {
    expect(failure(() => load({ STEPUP_DEV_MODE: 'maybe' })).message).toMatch(/STEPUP_DEV_MODE/);
    expect(failure(() => load({ DEV_ALLOW_INSECURE: 'sure' })).message).toMatch(/DEV_ALLOW_INSECURE/);
  });

  it('checks PUBLIC_URL and ARCADE_PROVIDER_ID, and keeps the Arcade and ngrok settings', () => {
    expect(failure(() => load({ PUBLIC_URL: 'http://tunnel.example.com' })).message).toMatch(/PUBLIC_URL: .*must use https/);
    expect(failure(() => load({ PUBLIC_URL: 'https://tunnel.example.com/?x=1' })).message).toMatch(/plain base URL/);
    expect(failure(() => load({ ARCADE_PROVIDER_ID: 'duo oidc' })).message).toMatch(/ARCADE_PROVIDER_ID/);
    const config = load({
      PUBLIC_URL: 'https://tunnel.example.com/base/',
      ARCADE_WORKER_SECRET: 'w'.repeat(32),
      NGROK_AUTHTOKEN: 'n'.repeat(40),
    });
    expect(config.tunnel).toEqual({ publicUrl: 'https://tunnel.example.com/base', ngrokAuthtoken: 'n'.repeat(40) });
    expect(config.arcade).toEqual({ workerSecret: 'w'.repeat(32), providerId: 'cisco-duo-oidc' });
  });

  it('never echoes a secret in an error', () => {
    const error = failure(() => load({ ...LIVE, PORT: 'x' }));
    for (const secret of [LIVE.DUO_CLIENT_SECRET, LIVE.DUO_AUTH_SKEY, LIVE.HOOK_BEARER_TOKEN]) expect(error.message).not.toContain(secret);
  });
});

describe('step-up rules and the user map', () => {
  it('reads DUO_USER_MAP as JSON, pairs or a file, with lower-cased callers', () => {
    expect(load({ DUO_USER_MAP: '{"Alice@Example.com":"alice"}' }).userMap).toEqual({ 'alice@example.com': 'alice' });
    expect(load({ DUO_USER_MAP: 'alice@example.com=alice, bob=bob.smith' }).userMap).toEqual({
      'alice@example.com': 'alice',
      bob: 'bob.smith',
    });
    const dir = mkdtempSync(join(tmpdir(), 'duo-arcade-map-'));
    writeFileSync(join(dir, 'users.yaml'), 'carol@example.com: carol\n');
    expect(load({ DUO_USER_MAP: 'users.yaml' }, {}, dir).userMap).toEqual({ 'carol@example.com': 'carol' });
    expect(load({}).userMap).toBeUndefined();
  });

  it('names a DUO_USER_MAP it cannot use', () => {
    expect(failure(() => load({ DUO_USER_MAP: '{"alice": 3}' })).message).toMatch(/DUO_USER_MAP must map caller ids/);
    expect(failure(() => load({ DUO_USER_MAP: '{broken' })).message).toMatch(/DUO_USER_MAP cannot be read/);
  });

  it('takes rules from a policy file, with the environment winning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'duo-arcade-policy-'));
    writeFileSync(join(dir, 'policy.yaml'), 'terms: [export-controlled, itar]\nstepUpWrites: true\nstepUpTools: [get_contact]\n');
    const fromFile = load({ STEPUP_POLICY_FILE: 'policy.yaml' }, {}, dir);
    expect(fromFile).toMatchObject({ sensitiveTerms: ['export-controlled', 'itar'], stepUpWrites: true, stepUpTools: ['get_contact'] });
    const overridden = load({ STEPUP_POLICY_FILE: 'policy.yaml', SENSITIVE_QUERY_TERMS: 'secret', STEPUP_WRITES: 'false' }, {}, dir);
    expect(overridden).toMatchObject({ sensitiveTerms: ['secret'], stepUpWrites: false });
  });

  it('names a bad policy file field and an unknown tool', () => {
    const dir = mkdtempSync(join(tmpdir(), 'duo-arcade-policy-'));
    writeFileSync(join(dir, 'policy.yaml'), 'terms: [x]\nstepUpWrite: true\n');
    expect(failure(() => load({ STEPUP_POLICY_FILE: 'policy.yaml' }, {}, dir)).message).toMatch(/Unrecognized key: "stepUpWrite"/);
    expect(failure(() => load({ STEPUP_TOOLS: 'delete_everything' })).message).toMatch(
      /STEPUP_TOOLS names "delete_everything", which is not a tool/,
    );
  });
});

describe('.env', () => {
  it('is read from the working directory, and the environment wins', () => {
    const dir = mkdtempSync(join(tmpdir(), 'duo-arcade-env-'));
    writeFileSync(join(dir, '.env'), 'SENSITIVE_QUERY_TERMS=secret,project-x\nDUO_STEPUP_USERNAME=from-file\n');
    const config = load({ DUO_STEPUP_USERNAME: 'from-env' }, {}, dir);
    expect(config.sensitiveTerms).toEqual(['secret', 'project-x']);
    expect(config.duo.stepupUsername).toBe('from-env');
    expect(config.envFile).toBe(join(dir, '.env'));
  });
});
