import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuoEmulator } from '../src/emulator/index.js';
import type { Stack } from '../src/stack.js';
import { liveEnv, runDoctor, startTenant } from './support/doctor.js';
import { ARCADE_KEY, cleanRecords, startFakeArcade, type ArcadeRecords, type FakeArcade } from './support/fake-arcade.js';
import { startLocalStack } from './support/stack.js';

let tenant: DuoEmulator;
let arcade: FakeArcade;
/** Stands in for the tunnel: our server, reachable at its (loopback) public URL. */
let server: Stack;

beforeAll(async () => {
  tenant = await startTenant();
  server = await startLocalStack();
  arcade = await startFakeArcade(cleanRecords({ issuer: tenant.issuer, publicUrl: server.url }));
});
afterAll(async () => {
  await arcade.close();
  await server.close();
  await tenant.close();
});

const ARCADE_ROWS = ['arcade-key', 'arcade-provider', 'arcade-extension', 'arcade-hook', 'arcade-worker'];

async function doctorWith(edit: (records: ArcadeRecords) => void = () => undefined, env: Record<string, string> = {}) {
  arcade.records = cleanRecords({ issuer: tenant.issuer, publicUrl: server.url });
  edit(arcade.records);
  return runDoctor(
    ['--live', '--json', '--public-url', server.url],
    liveEnv(tenant, { ARCADE_API_KEY: ARCADE_KEY, ARCADE_BASE_URL: arcade.url, ...env }),
  );
}

describe('doctor against Arcade', () => {
  it('a clean setup is all [✓], and the redirect URI to paste into Duo is printed', async () => {
    const run = await doctorWith();
    for (const id of ARCADE_ROWS) expect(run.row(id), `${id}: ${run.row(id).detail}`).toMatchObject({ status: 'ok' });
    expect(run.code).toBe(0);
    expect(run.json!.summary).toEqual({ errors: 0, warnings: 0, passed: expect.any(Number), skipped: expect.any(Number) });
    // Skipped only: the token (none given) and ngrok (a public URL of our own is given).
    expect(run.json!.checks.filter((r) => r.status === 'skip').map((r) => r.id)).toEqual([
      'duo-oidc-token',
      'tunnel-ngrok',
      'tunnel-authtoken',
      'tunnel-config',
    ]);
    expect(run.row('arcade-provider').detail).toMatch(
      /redirect URI https:\/\/cloud\.arcade\.dev\/api\/v1\/oauth\/callback \(paste it into "Sign-In Redirect URLs"/,
    );
  });

  it('with several servers and no public URL to tell ours by, warns instead of calling ours missing', async () => {
    arcade.records = cleanRecords({ issuer: tenant.issuer, publicUrl: server.url });
    arcade.records.workers.push({ id: 'other', enabled: true, type: 'http', http: { uri: 'https://other.example.com' } });
    const run = await runDoctor(['--live', '--json'], liveEnv(tenant, { ARCADE_API_KEY: ARCADE_KEY, ARCADE_BASE_URL: arcade.url }));
    expect(run.row('arcade-worker')).toMatchObject({ status: 'warn', fix: expect.stringMatching(/--public-url/) });
    const named = await doctorWith((r) =>
      r.workers.push({ id: 'other', enabled: true, type: 'http', http: { uri: 'https://other.example.com' } }),
    );
    expect(named.row('arcade-worker').status).toBe('ok');
  });

  it('skips every Arcade check with the reason when ARCADE_API_KEY is not set', async () => {
    const run = await runDoctor(['--live', '--json'], liveEnv(tenant));
    expect(run.row('arcade-key')).toMatchObject({ status: 'skip', detail: expect.stringMatching(/ARCADE_API_KEY is not set/) });
    expect(run.row('arcade-provider')).toMatchObject({ status: 'skip', detail: expect.stringMatching(/needs "API key"/) });
  });

  it('refuses to send the key over plain http to anything but loopback', async () => {
    const run = await doctorWith(undefined, { ARCADE_BASE_URL: 'http://arcade.example.com' });
    expect(run.row('arcade-key')).toMatchObject({ status: 'error', detail: expect.stringMatching(/must be https/) });
    expect(run.row('duo-oidc-authorize').status).toBe('ok');
  });

  it('a wrong key is named', async () => {
    const run = await doctorWith(undefined, { ARCADE_API_KEY: 'arc_wrong_key_000000000000' });
    expect(run.row('arcade-key')).toMatchObject({ status: 'error', detail: expect.stringMatching(/rejects ARCADE_API_KEY/) });
    expect(run.out).not.toContain('arc_wrong_key_000000000000');
  });

  const faults: Array<[string, (r: ArcadeRecords) => void, string, RegExp, RegExp]> = [
    [
      'PKCE off on the provider',
      (r) => (r.provider!.oauth2.pkce = { enabled: false }),
      'arcade-provider',
      /Must specify both 'code_challenge' and 'code_challenge_method'/,
      /Enable PKCE with code challenge method S256/,
    ],
    [
      'PKCE with the plain method',
      (r) => (r.provider!.oauth2.pkce = { enabled: true, code_challenge_method: 'plain' }),
      'arcade-provider',
      /PKCE uses plain, not S256/,
      /Enable PKCE with code challenge method S256/,
    ],
    [
      'PKCE on without a method',
      (r) => (r.provider!.oauth2.pkce = { enabled: true }),
      'arcade-provider',
      /no code challenge method is stored/,
      /Enable PKCE with code challenge method S256/,
    ],
    [
      'no client secret',
      (r) => (r.provider!.oauth2.client_secret = { exists: false }),
      'arcade-provider',
      /no client secret/,
      /client secret/,
    ],
    [
      'endpoints of another issuer',
      (r) => (r.provider!.oauth2.authorize_request.endpoint = 'https://sso-other.sso.duosecurity.com/oauth2/DIX/authorize'),
      'arcade-provider',
      /authorize endpoint is https:\/\/sso-other/,
      /Set the authorize endpoint to/,
    ],
    [
      'provider missing',
      (r) => delete r.provider,
      'arcade-provider',
      /no auth provider "cisco-duo-oidc"/,
      /Add it in the Arcade dashboard/,
    ],
    ['inactive extension', (r) => (r.plugins[0]!.status = 'inactive'), 'arcade-extension', /not active/, /Activate the extension/],
    [
      'stale tunnel URL',
      (r) => (r.plugins[0]!.webhook_config.endpoints.pre.url = 'https://old-tunnel.ngrok-free.app/hooks/pre'),
      'arcade-extension',
      /extension endpoint not found/,
      /Set the extension's pre-execution URL to http:\/\/127\.0\.0\.1:\d+\/hooks\/pre/,
    ],
    ['no bearer auth', (r) => (r.plugins[0]!.auth = { type: 'none' }), 'arcade-extension', /not Bearer/, /HOOK_BEARER_TOKEN/],
    [
      'hook timeout 5000',
      (r) => (r.hooks[0]!.timeout_ms = 5000),
      'arcade-hook',
      /blocked before you can approve/,
      /timeout_ms to at least 25000/,
    ],
    ['fail_open hook', (r) => (r.hooks[0]!.failure_mode = 'fail_open'), 'arcade-hook', /tools run unchecked/, /fail_closed/],
    ['no tool.pre hook', (r) => (r.hooks = []), 'arcade-hook', /no tool\.pre hook/, /Add a tool\.pre hook/],
    [
      'unhealthy worker',
      (r) => (r.workerHealth.duocrm = { healthy: false, message: 'connection refused' }),
      'arcade-worker',
      /unhealthy: connection refused/,
      /ARCADE_WORKER_SECRET/,
    ],
    [
      'tools without their scopes',
      (r) => (r.workerTools.duocrm = (r.workerTools.duocrm as any[]).map((t) => ({ ...t, requirements: { authorization: null } }))),
      'arcade-worker',
      /ListDeals lacks scope crm\.deals\.read/,
      /refresh the server's tools/,
    ],
    ['no worker', (r) => (r.workers = []), 'arcade-worker', /no server is registered/, /Servers → Add server/],
  ];
  for (const [name, edit, id, detail, fix] of faults) {
    it(`${name} → ${id} [✗]`, async () => {
      const run = await doctorWith(edit);
      const row = run.row(id);
      expect(row.status).toBe('error');
      expect(row.detail).toMatch(detail);
      expect(row.fix).toMatch(fix);
      expect(run.code).toBe(1);
    });
  }

  it('prints a PKCE-less provider as a [✗] row with its fix line', async () => {
    arcade.records = cleanRecords({ issuer: tenant.issuer, publicUrl: server.url });
    arcade.records.provider!.oauth2.pkce = { enabled: false };
    const run = await runDoctor(
      ['--live', '--public-url', server.url],
      liveEnv(tenant, { ARCADE_API_KEY: ARCADE_KEY, ARCADE_BASE_URL: arcade.url }),
    );
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/\[✗\] Duo OAuth provider: provider "cisco-duo-oidc": PKCE is off[^\n]*\n.*\n\s+→ fix: Enable PKCE/);
  });

  it("takes the current URL from the running ngrok agent's API, and names a stale extension URL", async () => {
    const { createServer } = await import('node:http');
    const agent = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          tunnels: [{ public_url: 'https://127.0.0.1:1', proto: 'https', config: { addr: 'http://localhost:8000' } }],
        }),
      );
    });
    await new Promise<void>((resolve) => agent.listen(0, '127.0.0.1', resolve));
    try {
      arcade.records = cleanRecords({ issuer: tenant.issuer, publicUrl: server.url });
      const run = await runDoctor(
        ['--live', '--json', '--ngrok-api', `http://127.0.0.1:${(agent.address() as { port: number }).port}`],
        liveEnv(tenant, { ARCADE_API_KEY: ARCADE_KEY, ARCADE_BASE_URL: arcade.url, PORT: '8000' }),
      );
      expect(run.row('arcade-extension')).toMatchObject({ status: 'error', detail: expect.stringMatching(/extension endpoint not found/) });
      expect(run.row('arcade-extension').fix).toMatch(/https:\/\/127\.0\.0\.1:1\/hooks\/pre/);
    } finally {
      await new Promise((resolve) => {
        agent.close(resolve);
        agent.closeAllConnections();
      });
    }
  });
});
