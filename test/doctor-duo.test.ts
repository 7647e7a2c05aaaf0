import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loginWithPkce } from '../src/duo/oidc-client.js';
import type { DuoEmulator, EmulatorMisconfig } from '../src/emulator/index.js';
import { CREDS, liveEnv, runDoctor, startTenant } from './support/doctor.js';

const DUO_ROWS = [
  'duo-oidc-discovery',
  'duo-oidc-pkce',
  'duo-oidc-client',
  'duo-oidc-authorize',
  'duo-auth-ping',
  'duo-auth-clock',
  'duo-auth-check',
  'duo-auth-preauth',
];

let tenant: DuoEmulator | undefined;
afterEach(async () => {
  await tenant?.close();
  tenant = undefined;
});

describe('doctor against a clean Duo tenant', () => {
  it('passes every Duo check', async () => {
    tenant = await startTenant();
    const run = await runDoctor(['--live', '--json'], liveEnv(tenant));
    for (const id of DUO_ROWS) expect(run.row(id), id).toMatchObject({ status: 'ok' });
    expect(run.row('config-required').status).toBe('ok');
    expect(run.row('local-hook').status).toBe('ok');
  });
});

describe('doctor names each Duo misconfiguration with its fix', () => {
  const cases: Array<[EmulatorMisconfig, string, 'error' | 'warn', RegExp, RegExp]> = [
    ['scopes-not-configured', 'duo-oidc-authorize', 'error', /scopes not configured for the client/, /Confidential client scopes/],
    ['oidc-access-disabled', 'duo-oidc-authorize', 'error', /app user access disabled/, /User access/],
    ['auth-access-disabled', 'duo-auth-preauth', 'error', /does not have access to this application/, /Auth API application.*User access/],
    ['not-enrolled', 'duo-auth-preauth', 'error', /preauth: enroll/, /Duo username \(not the email\)/],
    ['no-push-device', 'duo-auth-preauth', 'error', /none can receive a push/, /activate Duo Mobile|Activate Duo Mobile/],
    ['clock-skew', 'duo-auth-clock', 'error', /\d+ s (behind|ahead of) Duo's/, /Synchronise/],
    ['pkce-not-enforced', 'duo-oidc-pkce', 'warn', /without a PKCE challenge/, /PKCE \(S256\) enabled on the Arcade provider/],
  ];
  for (const [fault, id, status, detail, fix] of cases) {
    it(`${fault} → ${id} ${status}`, async () => {
      tenant = await startTenant({ misconfig: [fault] });
      const run = await runDoctor(['--live', '--json'], liveEnv(tenant));
      const row = run.row(id);
      expect(row.status).toBe(status);
      expect(row.detail).toMatch(detail);
      expect(row.fix).toMatch(fix);
      // Only the faulty row is flagged (a skewed clock also breaks the signed check, which says so).
      const flagged = run
        .json!.checks.filter((r) => r.group.startsWith('duo') && (r.status === 'error' || r.status === 'warn'))
        .map((r) => r.id);
      expect(flagged).toEqual(fault === 'clock-skew' ? [id, 'duo-auth-check'] : [id]);
      if (status === 'error') expect(run.code).toBe(1);
    });
  }

  it('clock skew also explains the rejected signature', async () => {
    tenant = await startTenant({ misconfig: ['clock-skew'] });
    const run = await runDoctor(['--live', '--json'], liveEnv(tenant));
    expect(run.row('duo-auth-check')).toMatchObject({ status: 'error', fix: expect.stringMatching(/Fix the clock first/) });
    expect(run.row('duo-auth-preauth').detail).toMatch(/skipped: needs "Auth API keys"/);
  });

  it('wrong integration key → 40102, wrong secret key → 40103, wrong application type → 40301', async () => {
    tenant = await startTenant();
    const ikey = await runDoctor(['--live', '--json'], liveEnv(tenant, { DUO_AUTH_IKEY: 'DIWRONGWRONGWRONG001' }));
    expect(ikey.row('duo-auth-check')).toMatchObject({ status: 'error', detail: expect.stringMatching(/40102/) });
    expect(ikey.row('duo-auth-check').fix).toMatch(/DUO_AUTH_IKEY and DUO_AUTH_HOST/);
    const skey = await runDoctor(['--live', '--json'], liveEnv(tenant, { DUO_AUTH_SKEY: 'x'.repeat(40) }));
    expect(skey.row('duo-auth-check')).toMatchObject({ status: 'error', detail: expect.stringMatching(/40103.*DUO_AUTH_SKEY/) });
    tenant.faults.inject('wrong-app-type', 1, ['check']);
    const type = await runDoctor(['--live', '--json'], liveEnv(tenant));
    expect(type.row('duo-auth-check')).toMatchObject({ status: 'error', fix: expect.stringMatching(/"Auth API" application/) });
  });

  it('wrong client secret → client credentials error; sign-in probe still runs', async () => {
    tenant = await startTenant();
    const run = await runDoctor(['--live', '--json'], liveEnv(tenant, { DUO_CLIENT_SECRET: 'not-the-secret-0123456789' }));
    expect(run.row('duo-oidc-client')).toMatchObject({ status: 'error', detail: expect.stringMatching(/rejected the client credentials/) });
  });

  it('a clock off by minutes, inside Duo’s window, is a warning', async () => {
    tenant = await startTenant({ now: () => Date.now() + 120_000 });
    const run = await runDoctor(['--live', '--json'], liveEnv(tenant));
    expect(run.row('duo-auth-clock')).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(/1[12]\d s behind Duo's \(signatures fail beyond 300 s\)/),
    });
    expect(run.row('duo-auth-check').status).toBe('ok');
  });

  it('a push user in bypass is a warning: step-up would prove nothing', async () => {
    tenant = await startTenant();
    tenant.directory.addUser({ username: 'bypassuser', status: 'bypass' });
    const run = await runDoctor(['--live', '--json'], liveEnv(tenant, { DUO_STEPUP_USERNAME: 'bypassuser' }));
    expect(run.row('duo-auth-preauth')).toMatchObject({ status: 'warn', detail: expect.stringMatching(/"bypassuser" is in bypass/) });
  });

  it('an email as the push user is called out', async () => {
    tenant = await startTenant();
    const run = await runDoctor(['--live', '--json'], liveEnv(tenant, { DUO_STEPUP_USERNAME: 'demouser@example.com' }));
    expect(run.row('duo-auth-preauth')).toMatchObject({ status: 'error', fix: expect.stringMatching(/looks like an email/) });
  });

  it('an unreachable Auth API is an error and the signed checks say why they were skipped', async () => {
    tenant = await startTenant();
    const env = liveEnv(tenant, { DUO_AUTH_HOST: 'http://127.0.0.1:9' });
    const run = await runDoctor(['--live', '--json'], env);
    expect(run.row('duo-auth-ping').status).toBe('error');
    expect(run.row('duo-auth-check')).toMatchObject({ status: 'skip', detail: expect.stringMatching(/needs "Auth API reachable"/) });
  });
});

describe('doctor --token', () => {
  it('lists the tools a token can run and explains the missing scope', async () => {
    tenant = await startTenant();
    tenant.directory.revoke('demouser', 'crm.deals.read');
    const login = await loginWithPkce({
      issuer: tenant.issuer,
      clientId: CREDS.clientId,
      clientSecret: CREDS.clientSecret,
      username: 'demouser',
      scopes: ['openid', 'crm.contacts.read', 'crm.contacts.write', 'crm.deals.read'],
      redirectUri: 'http://127.0.0.1:9/callback',
    });
    const run = await runDoctor(['--live', '--json', '--token', login.accessToken], liveEnv(tenant));
    const row = run.row('duo-oidc-token');
    expect(row.status).toBe('warn');
    expect(row.detail).toMatch(/can run: list_contacts, get_contact, create_contact/);
    expect(row.detail).toMatch(/Missing required scope: crm\.deals\.read/);
    expect(row.fix).toMatch(/re-authorize/);
    expect(run.out).not.toContain(login.accessToken);
    const fromStdin = await runDoctor(['--live', '--json', '--token', '-'], liveEnv(tenant), `${login.accessToken}\n`);
    expect(fromStdin.row('duo-oidc-token').status).toBe('warn');
    const stale = await runDoctor(['--live', '--json', '--token', 'expired-or-made-up-token'], liveEnv(tenant));
    expect(stale.row('duo-oidc-token')).toMatchObject({ status: 'error', detail: expect.stringMatching(/not active/) });
  });
});

describe('the emulator with Auth API user access disabled', () => {
  it('denies async pushes through a settled transaction, as the hook will see them', async () => {
    const { DuoAuthClient } = await import('../src/duo/auth-api-client.js');
    tenant = await startTenant({ misconfig: ['auth-access-disabled'] });
    const client = new DuoAuthClient({ baseUrl: tenant.authApiUrl, ikey: CREDS.ikey, skey: CREDS.skey });
    const { txid } = await client.auth({ username: 'demouser', factor: 'push', async: true });
    expect(await client.authStatus(txid)).toMatchObject({ result: 'deny', status_msg: expect.stringMatching(/does not have access/) });
    expect(tenant.phone.history).toHaveLength(0);
  });
});

describe('doctor finds a wrong DUO_OIDC_ISSUER', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  /** An issuer host that answers discovery and /authorize as given, and 404 to everything else. */
  async function issuerHost(answers: Record<string, (base: string) => [number, unknown]>): Promise<string> {
    server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/oauth2\/APP/, '');
      const [status, body] = answers[path]?.(base) ?? [404, { error: 'not_found' }];
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth2/APP`;
    return base;
  }

  it('an application id that does not exist: no discovery, nothing at /authorize → error, not a pass', async () => {
    tenant = await startTenant();
    const run = await runDoctor(['--live', '--json'], liveEnv(tenant, { DUO_OIDC_ISSUER: `${tenant.issuer}WRONG` }));
    expect(run.row('duo-oidc-discovery')).toMatchObject({ status: 'error', detail: expect.stringMatching(/nothing answers/) });
    expect(run.row('duo-oidc-discovery').fix).toMatch(/copy "Issuer"/);
    expect(run.row('duo-oidc-client').fix ?? '').not.toMatch(/DUO_INTROSPECTION_URL/);
  });

  it('a discovery document naming another issuer → error with the issuer to use', async () => {
    const issuer = await issuerHost({
      '/.well-known/openid-configuration': () => [200, { issuer: 'https://sso-other.sso.duosecurity.com/oauth2/X' }],
    });
    const run = await runDoctor(['--live', '--json'], { DUO_OIDC_ISSUER: issuer });
    expect(run.row('duo-oidc-discovery')).toMatchObject({
      status: 'error',
      detail: expect.stringMatching(/names the issuer https:\/\/sso-other/),
    });
    expect(run.row('duo-oidc-discovery').fix).toContain('DUO_OIDC_ISSUER=https://sso-other.sso.duosecurity.com/oauth2/X');
  });

  it('no discovery document but an authorize endpoint that answers → a warning', async () => {
    const issuer = await issuerHost({ '/authorize': () => [400, { error: 'invalid_request' }] });
    const run = await runDoctor(['--live', '--json'], { DUO_OIDC_ISSUER: issuer });
    expect(run.row('duo-oidc-discovery')).toMatchObject({ status: 'warn', detail: expect.stringMatching(/derives from the issuer/) });
  });

  it('an issuer nobody answers at → cannot reach', async () => {
    const run = await runDoctor(['--live', '--json'], { DUO_OIDC_ISSUER: 'http://127.0.0.1:9/oauth2/APP' });
    expect(run.row('duo-oidc-discovery')).toMatchObject({ status: 'error', detail: expect.stringMatching(/cannot reach the issuer/) });
  });
});
