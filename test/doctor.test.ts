import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { loadConfig } from '../src/config.js';
import { judgeAuthorize } from '../src/doctor/checks/oidc-authorize.js';
import { runChecks } from '../src/doctor/run.js';
import { readDoctorSettings } from '../src/doctor/settings.js';
import type { Check } from '../src/doctor/types.js';
import { runEmulator } from '../src/commands/emulator.js';
import { EMPTY_DIR, captureTerminal } from './support/stack.js';
import { CREDS, STRONG_BEARER, liveEnv, runDoctor } from './support/doctor.js';

describe('doctor --local', () => {
  it('names a DUO_ARCADE_MODE that serve would refuse', async () => {
    const run = await runDoctor(['--json'], { DUO_ARCADE_MODE: 'banana' });
    expect(run.code).toBe(1);
    expect(run.row('config-required')).toMatchObject({
      status: 'error',
      detail: expect.stringMatching(/DUO_ARCADE_MODE="banana" must be local, live or auto/),
    });
  });

  it('checks the offline stack: all [✓], exit 0, a summary', async () => {
    const run = await runDoctor(['--local'], { PORT: '0' });
    expect(run.code).toBe(0);
    expect(run.out).toBe('');
    expect(run.err).toMatch(/\[✓\] Push user: "demouser" can receive pushes/);
    expect(run.err).toMatch(/\[✓\] Our hook: answers 401 without the bearer token and OK/);
    expect(run.err).not.toMatch(/\[✗\]|\[!\]/);
    expect(run.err).toMatch(/0 errors, 0 warnings, \d+ passed, 1 skipped\. No issues found\./);
  });

  it('--json prints {ok, summary, checks} on stdout only', async () => {
    const run = await runDoctor(['--local', '--json'], { PORT: '0' });
    expect(run.code).toBe(0);
    expect(run.err).toBe('');
    expect(run.json).toMatchObject({ ok: true, summary: { errors: 0, warnings: 0 } });
    for (const row of run.json!.checks) expect(['ok', 'skip']).toContain(row.status);
    expect(new Set(run.json!.checks.map((r) => r.group))).toEqual(new Set(['config', 'duo-oidc', 'duo-auth', 'local']));
  });
});

describe('config checks', () => {
  it('names missing live settings and skips what depends on them, saying why', async () => {
    const run = await runDoctor(['--live', '--json'], {
      DUO_OIDC_ISSUER: 'http://127.0.0.1:9/oauth2/DIAPP',
      HOOK_BEARER_TOKEN: '',
      PORT: '0',
    });
    expect(run.code).toBe(1);
    expect(run.row('config-required')).toMatchObject({ status: 'error', detail: expect.stringMatching(/Live mode needs .*DUO_AUTH_HOST/) });
    expect(run.row('duo-auth-ping')).toMatchObject({ status: 'skip', detail: expect.stringMatching(/DUO_AUTH_HOST is not set/) });
    expect(run.row('config-bearer')).toMatchObject({ status: 'error', fix: expect.stringMatching(/openssl rand -hex 32/) });
    expect(run.row('local-hook').status).toBe('error');
  });

  it('picks the mode serve would, and warns when half the Duo settings would leave serve offline', async () => {
    const env = { DUO_OIDC_ISSUER: 'http://127.0.0.1:9/oauth2/DIAPP', PORT: '0' };
    const run = await runDoctor(['--json'], env);
    expect(loadConfig({ env, cwd: EMPTY_DIR }).mode).toBe('local');
    expect(run.row('config-required')).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(/^local mode \(only DUO_OIDC_ISSUER .*`serve` will run on the embedded emulator/),
      fix: expect.stringMatching(/Set DUO_AUTH_HOST too for live mode, or run `duo-arcade doctor --live`/),
    });
  });

  it('refuses development switches in live mode, warns offline', async () => {
    const live = await runDoctor(['--live', '--json'], { DEV_ALLOW_INSECURE: 'true', STEPUP_DEV_MODE: 'allow', PORT: '0' });
    expect(live.row('config-dev-switches')).toMatchObject({
      status: 'error',
      fix: expect.stringMatching(/Remove DEV_ALLOW_INSECURE and STEPUP_DEV_MODE/),
    });
    const local = await runDoctor(['--local', '--json'], { DEV_ALLOW_INSECURE: 'true', PORT: '0' });
    expect(local.row('config-dev-switches').status).toBe('warn');
    expect(local.code).toBe(0);
    expect((await runDoctor(['--local', '--json', '--strict'], { DEV_ALLOW_INSECURE: 'true', PORT: '0' })).code).toBe(1);
  });

  it('flags a short or low-entropy bearer, never printing it', async () => {
    const short = await runDoctor(['--local', '--json'], { HOOK_BEARER_TOKEN: 'hunter2', PORT: '0' });
    expect(short.row('config-bearer')).toMatchObject({ status: 'warn', detail: expect.stringMatching(/only 7 characters/) });
    const repeated = 'abababababababababababababababab';
    const low = await runDoctor(['--live', '--json'], { HOOK_BEARER_TOKEN: repeated, PORT: '0' });
    expect(low.row('config-bearer')).toMatchObject({ status: 'error', detail: expect.stringMatching(/low entropy/) });
    expect(low.out).not.toContain(repeated);
    const strong = await runDoctor(['--local', '--json'], { HOOK_BEARER_TOKEN: STRONG_BEARER, PORT: '0' });
    expect(strong.row('config-bearer').status).toBe('ok');
  });

  it('warns when the worker secret is missing or short in live mode', async () => {
    const missing = await runDoctor(['--live', '--json'], { PORT: '0' });
    expect(missing.row('config-worker-secret')).toMatchObject({ status: 'warn', detail: expect.stringMatching(/answers 503/) });
    const short = await runDoctor(['--live', '--json'], { ARCADE_WORKER_SECRET: 'short-secret', PORT: '0' });
    expect(short.row('config-worker-secret')).toMatchObject({ status: 'warn', detail: expect.stringMatching(/only 12 characters/) });
    expect(short.out).not.toContain('short-secret');
  });

  it('checks the hook budget against Arcade limits', async () => {
    const tight = await runDoctor(['--local', '--json'], { HOOK_TIMEOUT_MS: '5000', PORT: '0' });
    expect(tight.row('config-hook-budget')).toMatchObject({ status: 'warn', fix: expect.stringMatching(/timeout_ms to at least 5000/) });
    const over = await runDoctor(['--local', '--json'], { HOOK_TIMEOUT_MS: '60000', PORT: '0' });
    expect(over.row('config-hook-budget')).toMatchObject({ status: 'error', detail: expect.stringMatching(/HOOK_TIMEOUT_MS="60000"/) });
  });

  it('flags a malformed Duo API hostname and issuer', async () => {
    const run = await runDoctor(['--live', '--json'], {
      DUO_OIDC_ISSUER: 'https://127.0.0.1:9/oauth2/x',
      DUO_AUTH_HOST: 'duo.example.com',
      PORT: '0',
    });
    expect(run.row('config-duo-urls')).toMatchObject({
      status: 'error',
      detail: expect.stringMatching(/not an api-XXXXXXXX\.duosecurity\.com/),
    });
    expect(run.row('config-duo-urls').detail).toMatch(/does not look like a Duo issuer/);
  });
});

describe('local checks', () => {
  it('names a port taken by another program', async () => {
    const blocker: Server = createServer((socket) =>
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n', () => socket.destroy()),
    );
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const run = await runDoctor(['--local', '--json'], { PORT: String(port) });
      expect(run.row('local-port')).toMatchObject({ status: 'error', detail: expect.stringMatching(/taken by another program/) });
      expect(run.row('local-port').fix).toMatch(/set PORT/);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

describe('exit codes and usage', () => {
  it('exits 2 for conflicting or malformed flags', async () => {
    expect((await runDoctor(['--local', '--live'])).code).toBe(2);
    expect((await runDoctor(['--timeout', 'soon'])).code).toBe(2);
    expect((await runDoctor(['--public-url', 'http://example.com'])).code).toBe(2);
  });

  it('never prints a configured secret', async () => {
    const secrets = {
      DUO_AUTH_SKEY: 'S'.repeat(40),
      DUO_CLIENT_SECRET: 'C'.repeat(40),
      HOOK_BEARER_TOKEN: STRONG_BEARER,
      ARCADE_API_KEY: 'arc_secretsecretsecret0123',
      NGROK_AUTHTOKEN: '2abcDEFghiJKLmnoPQRstu_4vWXyz5ABcdEFghIJklm',
    };
    for (const args of [['--local'], ['--local', '--json'], ['--live', '--json']]) {
      const run = await runDoctor([...args, '--timeout', '1'], {
        ...secrets,
        DUO_AUTH_HOST: 'http://127.0.0.1:9',
        DUO_OIDC_ISSUER: 'http://127.0.0.1:9/oauth2/DIX',
        ARCADE_BASE_URL: 'http://127.0.0.1:9',
        PORT: '0',
      });
      for (const secret of Object.values(secrets)) expect(run.out + run.err).not.toContain(secret);
    }
  });
});

describe('the runner', () => {
  const settings = readDoctorSettings({ env: {}, cwd: EMPTY_DIR, mode: 'local' });
  const base = { settings, ngrokApiUrls: ['http://127.0.0.1:9'] };
  it('turns a throw into an error row and a hang into a timeout row; the others still run', async () => {
    const checks: Check[] = [
      { id: 'a', title: 'Throws', group: 'config', run: async () => Promise.reject(new Error('boom')) },
      { id: 'b', title: 'Hangs', group: 'config', network: true, run: () => new Promise(() => undefined) },
      { id: 'c', title: 'Fine', group: 'local', run: async () => ({ status: 'ok', detail: 'fine' }) },
      { id: 'd', title: 'Needs a', group: 'local', needs: ['a'], run: async () => ({ status: 'ok', detail: 'never' }) },
    ];
    const rows = await runChecks(checks, base, { networkTimeoutMs: 50 });
    expect(rows.map((r) => [r.id, r.status])).toEqual([
      ['a', 'error'],
      ['b', 'error'],
      ['c', 'ok'],
      ['d', 'skip'],
    ]);
    expect(rows[0]!.detail).toMatch(/boom/);
    expect(rows[1]!.detail).toMatch(/no answer within/);
    expect(rows[3]!.detail).toBe('skipped: needs "Throws", which failed');
  });

  it('stops every shared request once the report is ready, so doctor exits when it has answered', async () => {
    const signals: AbortSignal[] = [];
    // A check that starts a shared request and answers without waiting for it, as one whose sibling still waits would.
    const starter: Check = {
      id: 'x',
      title: 'Starts a shared request',
      group: 'config',
      network: true,
      run: async (ctx) => {
        void ctx.memo('slow host', (signal) => {
          signals.push(signal);
          return new Promise<void>((done) => signal.addEventListener('abort', () => done()));
        });
        return { status: 'ok', detail: 'answered' };
      },
    };
    const rows = await runChecks([starter], base, { networkTimeoutMs: 60_000 });
    expect(rows.map((r) => r.status)).toEqual(['ok']);
    expect(signals).toHaveLength(1);
    expect(signals[0]!.aborted).toBe(true);
    expect(String(signals[0]!.reason)).toMatch(/doctor has finished/);
  });
});

describe('duo-arcade emulator', () => {
  it('prints one JSON ready line with the Auth API URL and the issuer, serves, and stops', async () => {
    const term = captureTerminal();
    const stop = new AbortController();
    const running = runEmulator(term, { json: true, fault: ['not-enrolled'] }, stop.signal);
    while (!term.out().includes('\n')) await new Promise((r) => setTimeout(r, 20));
    const ready = JSON.parse(term.out()) as { authApiUrl: string; issuer: string };
    expect(Object.keys(ready).sort()).toEqual(['authApiUrl', 'issuer']);
    const ping = (await (await fetch(`${ready.authApiUrl}/auth/v2/ping`)).json()) as { stat: string };
    expect(ping.stat).toBe('OK');
    expect(ready.issuer.startsWith(`${ready.authApiUrl}/oauth2/`)).toBe(true);
    expect(term.err()).toMatch(/fault not-enrolled/);
    stop.abort();
    expect(await running).toBe(0);
  });

  it('--write-env writes its generated settings for doctor (mode 600), refuses to overwrite, and removes the file on exit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'duo-arcade-emu-'));
    const term = { ...captureTerminal(), cwd: dir };
    const stop = new AbortController();
    const running = runEmulator(term, { json: true, writeEnv: '.env' }, stop.signal);
    while (!term.out().includes('\n')) await new Promise((r) => setTimeout(r, 20));
    const envPath = join(dir, '.env');
    expect(statSync(envPath).mode & 0o777).toBe(0o600);
    expect(readFileSync(envPath, 'utf8')).toMatch(/^DUO_AUTH_SKEY=.{20,}$/m);
    expect(term.err()).not.toContain(readFileSync(envPath, 'utf8').match(/^DUO_AUTH_SKEY=(.*)$/m)![1]);

    const doctor = { ...captureTerminal(), cwd: dir };
    await main(['node', 'duo-arcade', 'doctor', '--live', '--json', '--ngrok-api', 'http://127.0.0.1:9'], doctor);
    const rows = (JSON.parse(doctor.out()) as { checks: Array<{ id: string; status: string }> }).checks;
    for (const id of ['duo-auth-check', 'duo-oidc-client', 'duo-auth-preauth'])
      expect(rows.find((r) => r.id === id)?.status, id).toBe('ok');

    const again = { ...captureTerminal(), cwd: dir };
    expect(await main(['node', 'duo-arcade', 'emulator', '--write-env', '.env'], again)).toBe(1);
    expect(again.err()).toMatch(/already exists/);
    expect(existsSync(envPath)).toBe(true);

    stop.abort();
    expect(await running).toBe(0);
    expect(existsSync(envPath)).toBe(false);
  });

  it('refuses an unknown fault with exit 2', async () => {
    const term = captureTerminal();
    expect(await main(['node', 'duo-arcade', 'emulator', '--fault', 'gremlins'], term)).toBe(2);
    expect(term.err()).toMatch(/Unknown --fault "gremlins"/);
  });
});

describe('reading what /authorize answered', () => {
  const redirect = 'https://cloud.arcade.dev/api/v1/oauth/callback';
  it('judges pages by specific phrases, codes first', async () => {
    const page = (status: number, text: string) => judgeAuthorize({ kind: 'page', status, text }, redirect);
    expect(page(200, 'Duo Security Log in to access your applications').status).toBe('ok');
    expect(page(400, 'There are no scopes requested that are configured for the specified Relying Party').detail).toMatch(
      /scopes not configured for the client/,
    );
    expect(page(403, 'Forbidden').detail).toMatch(/app user access disabled/);
    expect(page(200, 'Your account does not have access to this application').detail).toMatch(/app user access disabled/);
    const badRedirect = judgeAuthorize(
      { kind: 'error', status: 400, error: 'invalid_request', description: 'Invalid redirect_uri' },
      redirect,
    );
    expect(badRedirect).toMatchObject({ status: 'error', fix: expect.stringContaining(`Add ${redirect} to "Sign-In Redirect URLs"`) });
    expect(judgeAuthorize({ kind: 'error', status: 302, error: 'server_error', description: '' }, redirect).status).toBe('warn');
  });
});

describe('duo-arcade emulator on a taken port', () => {
  it('says the port is in use, exit 1', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const term = captureTerminal();
      expect(await main(['node', 'duo-arcade', 'emulator', '--port', String(port)], term)).toBe(1);
      expect(term.err()).toMatch(new RegExp(`Port ${port} is already in use`));
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

describe('the built binary: emulator + doctor', () => {
  it('`emulator --json --fault not-enrolled` is a tenant doctor names the fault on, and it exits 0 on SIGTERM', async () => {
    const bin = resolve(import.meta.dirname, '..', 'bin', 'duo-arcade.js');
    // --write-env through the real binary too: Node 20 itself would take an `--env-file` after the script's name.
    const dir = mkdtempSync(join(tmpdir(), 'duo-arcade-bin-emu-'));
    const envPath = join(dir, 'emulator.env');
    const child = spawn(process.execPath, [bin, 'emulator', '--json', '--fault', 'not-enrolled', '--write-env', envPath], {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        DUO_AUTH_IKEY: CREDS.ikey,
        DUO_AUTH_SKEY: CREDS.skey,
        DUO_CLIENT_ID: CREDS.clientId,
        DUO_CLIENT_SECRET: CREDS.clientSecret,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    const line = await new Promise<string>((done, fail) => {
      createInterface({ input: child.stdout }).once('line', done);
      child.once('exit', () => fail(new Error(`emulator exited early: ${stderr}`)));
    });
    const ready = JSON.parse(line) as { authApiUrl: string; issuer: string };
    const tenant = { authApiUrl: ready.authApiUrl, issuer: ready.issuer } as Parameters<typeof liveEnv>[0];
    const run = await runDoctor(['--live', '--json'], liveEnv(tenant));
    expect(run.row('duo-auth-check').status).toBe('ok');
    expect(run.row('duo-auth-preauth')).toMatchObject({ status: 'error', detail: expect.stringMatching(/preauth: enroll/) });
    expect(readFileSync(envPath, 'utf8')).toContain(`DUO_AUTH_HOST=${ready.authApiUrl}`);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(envPath)).toBe(false);
    for (const secret of [CREDS.skey, CREDS.clientSecret]) expect(stderr + line).not.toContain(secret);
  });
});
