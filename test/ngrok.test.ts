import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NGROK_ADVICE, NgrokFailure, redactNgrokText } from '../src/tunnel/ngrok-errors.js';
import { findExecutable, forwardsTo, parseLogLine, startNgrok, type AgentExit, type NgrokAgent } from '../src/tunnel/ngrok.js';
import { openTunnel, planTunnel, type Tunnel } from '../src/tunnel/tunnel.js';
import { NGROK_TOKEN, fakeNgrok, waitFor, waitUntilGone } from './support/ngrok.js';

const PORT = 48_123;
const started: Array<NgrokAgent | Tunnel> = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => ('stop' in s ? s.stop() : s.close())));
});

async function start(
  mode: string,
  options: { authtoken?: string; domain?: string; readyTimeoutMs?: number; extra?: Record<string, string>; signal?: AbortSignal } = {},
) {
  const fake = fakeNgrok(mode, options.extra);
  const agent = await startNgrok({
    port: PORT,
    env: fake.env,
    authtoken: options.authtoken,
    domain: options.domain,
    readyTimeoutMs: options.readyTimeoutMs ?? 10_000,
    signal: options.signal,
  });
  started.push(agent);
  return { agent, fake };
}

async function failure(
  mode: string,
  options: Parameters<typeof start>[1] = {},
): Promise<{ error: NgrokFailure; fake: ReturnType<typeof fakeNgrok> }> {
  const fake = fakeNgrok(mode, options.extra);
  try {
    const agent = await startNgrok({
      port: PORT,
      env: fake.env,
      authtoken: options.authtoken,
      domain: options.domain,
      readyTimeoutMs: options.readyTimeoutMs ?? 10_000,
    });
    started.push(agent);
  } catch (error) {
    expect(error).toBeInstanceOf(NgrokFailure);
    return { error: error as NgrokFailure, fake };
  }
  throw new Error(`expected ngrok (${mode}) to fail`);
}

describe('ngrok agent: discovering the public URL', () => {
  it('reads the URL from the agent’s JSON log, and passes the authtoken in its environment only', async () => {
    const { agent, fake } = await start('ready', {
      authtoken: NGROK_TOKEN,
      extra: { HOOK_BEARER_TOKEN: 'b'.repeat(32), DUO_CLIENT_SECRET: 'c'.repeat(32) },
    });
    expect(agent.publicUrl).toMatch(/^https:\/\/fake-[0-9a-f]{8}\.ngrok-free\.app$/);
    expect(agent.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const record = fake.record()!;
    expect(record.argv).toEqual(['http', `127.0.0.1:${PORT}`, '--log', 'stdout', '--log-format', 'json']);
    expect(record.argv.join(' ')).not.toContain(NGROK_TOKEN);
    expect(record.authtokenLength).toBe(NGROK_TOKEN.length);
    // Our own secrets are not the agent's business.
    expect(record.env).not.toContain('HOOK_BEARER_TOKEN');
    expect(record.env).not.toContain('DUO_CLIENT_SECRET');
  });

  it('sets no NGROK_AUTHTOKEN when none is configured (ngrok’s own config then applies)', async () => {
    const { fake } = await start('ready');
    expect(fake.record()!.authtokenLength).toBe(0);
  });

  it('passes a reserved domain as --url', async () => {
    const { agent, fake } = await start('ready', { domain: 'duo-demo.ngrok.app' });
    expect(fake.record()!.argv.slice(-2)).toEqual(['--url', 'duo-demo.ngrok.app']);
    expect(agent.publicUrl).toBe('https://duo-demo.ngrok.app');
  });

  it('reads logfmt lines too (a user config may force them)', async () => {
    const { agent } = await start('logfmt');
    expect(agent.publicUrl).toMatch(/^https:\/\/fake-/);
  });

  it('falls back to GET /api/tunnels on the announced address, picking the tunnel for our port', async () => {
    const { agent } = await start('busy');
    expect(agent.publicUrl).toMatch(/^https:\/\/fake-/);
    expect(agent.publicUrl).not.toContain('someone-else');
  });

  it('waits for a slow agent', async () => {
    const { agent } = await start('slow', { extra: { FAKE_NGROK_DELAY_MS: '800' } });
    expect(agent.publicUrl).toMatch(/^https:\/\//);
  });

  it('gives up after the bounded wait, and stops the agent', async () => {
    const { error, fake } = await failure('hang', { readyTimeoutMs: 600 });
    expect(error.kind).toBe('timeout');
    expect(error.message).toMatch(/did not report a tunnel within 1 s/);
    expect(error.hint).toContain(`\`ngrok http ${PORT}\` yourself`);
    expect(await waitUntilGone(fake.pids()!.pid)).toBe(true);
  });

  it('stops waiting, and stops the agent, when asked to (Ctrl+C during start)', async () => {
    const stop = new AbortController();
    const fake = fakeNgrok('hang');
    const starting = startNgrok({ port: PORT, env: fake.env, signal: stop.signal, readyTimeoutMs: 10_000 });
    const { pid } = await waitFor(() => fake.pids());
    stop.abort(new Error('stopped'));
    await expect(starting).rejects.toThrow('stopped');
    expect(await waitUntilGone(pid)).toBe(true);
  });
});

describe('ngrok agent: failures become plain advice', () => {
  const coded = ['4018', '105', '107', '108', '334', '313', '15002', '121', '120', '9009'];
  for (const code of coded) {
    it(`maps ERR_NGROK_${code}, never printing the authtoken`, async () => {
      const { error, fake } = await failure(`err${code}`, { authtoken: NGROK_TOKEN });
      expect(error).toMatchObject({
        kind: 'error-code',
        code,
        message: NGROK_ADVICE[code]!.problem,
        hint: NGROK_ADVICE[code]!.fix,
        exitCode: 1,
      });
      expect(`${error.message} ${error.hint}`).not.toContain(NGROK_TOKEN);
      expect(await waitUntilGone(fake.pids()!.pid)).toBe(true);
    });
  }

  it('shows the agent’s own words for a code it has no advice for, with the echoed authtoken redacted', async () => {
    const { error } = await failure('err4999', { authtoken: NGROK_TOKEN });
    expect(error).toMatchObject({ kind: 'error-code', code: '4999' });
    expect(error.message).toMatch(/ERR_NGROK_4999: authentication failed: the session for authtoken \[redacted\] was closed/);
    expect(error.hint).toMatch(/ngrok\.com\/docs\/errors\/err_ngrok_4999/);
    expect(`${error.message} ${error.hint}`).not.toContain(NGROK_TOKEN);
  });

  it('says how to get an authtoken for 4018, or how to do without ngrok', async () => {
    const { error } = await failure('err4018');
    expect(error.hint).toMatch(/NGROK_AUTHTOKEN/);
    expect(error.hint).toMatch(/--no-tunnel/);
  });

  it('names the other agent for 108 and `ngrok update` for 121/120', async () => {
    expect((await failure('err108')).error.message).toMatch(/Another ngrok agent is already running/);
    expect((await failure('err121')).error.hint).toMatch(/ngrok update/);
  });

  it('explains an old config file without `version`', async () => {
    const { error } = await failure('config-version');
    expect(error.kind).toBe('config-version');
    expect(error.message).toMatch(/`version` property is required/);
    expect(error.hint).toMatch(/ngrok config upgrade/);
  });

  it('explains an agent too old for --url', async () => {
    const { error } = await failure('old-agent', { domain: 'duo-demo.ngrok.app' });
    expect(error.kind).toBe('too-old');
    expect(error.hint).toMatch(/ngrok update/);
  });

  it('says how to install ngrok when it is not on PATH', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'duo-arcade-no-ngrok-'));
    const error = await startNgrok({ port: PORT, env: { PATH: empty } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'not-installed' });
    expect((error as NgrokFailure).hint).toMatch(/ngrok\.com\/download/);
    expect((error as NgrokFailure).hint).toMatch(/--no-tunnel/);
  });

  it('says so when the ngrok found cannot be run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'duo-arcade-bad-ngrok-'));
    writeFileSync(join(dir, 'ngrok'), 'not a program');
    chmodSync(join(dir, 'ngrok'), 0o644);
    expect(findExecutable('ngrok', { PATH: dir })).toEqual({ unusable: join(dir, 'ngrok') });
    await expect(startNgrok({ port: PORT, env: { PATH: dir } })).rejects.toMatchObject({ kind: 'not-executable' });
  });

  it('redacts the configured token and any token the agent echoes', () => {
    expect(redactNgrokText('Your authtoken: whatever-it-is\nmore', [])).toBe('Your authtoken: [redacted]\nmore');
    expect(redactNgrokText(`token ${NGROK_TOKEN} here`)).toBe('token [redacted] here');
    expect(redactNgrokText('x my-plain-secret y', ['my-plain-secret'])).toBe('x [redacted] y');
    expect(redactNgrokText('{"authtoken":"abc"}')).toBe('{"authtoken":"[redacted]"}');
  });
});

describe('ngrok agent: after the tunnel is up', () => {
  it('reports an unexpected exit at once, with the agent’s last words', async () => {
    const { agent, fake } = await start('crash', { extra: { FAKE_NGROK_CRASH_AFTER_MS: '100' } });
    const exit = await agent.exited;
    expect(exit).toMatchObject({ expected: false, how: 'exit code 1' });
    expect(exit.failure?.message).toMatch(/remote gone away/);
    expect(exit.failure?.message).not.toMatch(/before the tunnel was up/);
    expect(await waitUntilGone(fake.pids()!.pid)).toBe(true);
  });

  it('reports known error codes it logs while up (8012), with advice', async () => {
    const { agent, fake } = await start('ready');
    const problem = new Promise<{ code?: string; advice?: string }>((resolve) => agent.once('problem', resolve));
    process.kill(fake.pids()!.pid, 'SIGUSR2');
    expect(await problem).toMatchObject({ code: '8012', advice: expect.stringMatching(/could not reach duo-arcade/) });
  });

  it('stops the agent and its guard, leaving no process behind', async () => {
    const { agent, fake } = await start('ready');
    const { pid, ppid } = fake.pids()!;
    expect(ppid).toBe(agent.pid);
    await agent.stop();
    expect(agent.running).toBe(false);
    expect(await waitUntilGone(pid)).toBe(true);
    expect(await waitUntilGone(ppid)).toBe(true);
  });
});

describe('the tunnel: restarts and plans', () => {
  it('brings a crashed agent back and says whether the URL changed', async () => {
    const fake = fakeNgrok('crash-once', { FAKE_NGROK_CRASH_AFTER_MS: '100' });
    const tunnel = await openTunnel({ kind: 'ngrok', reason: 'test' }, { port: PORT, env: fake.env, restartDelaysMs: [10, 10, 10] });
    started.push(tunnel);
    const first = tunnel.publicUrl;
    const lost = new Promise<AgentExit>((resolve) => tunnel.once('lost', resolve));
    const restored = new Promise<{ publicUrl: string; changed: boolean }>((resolve) => tunnel.once('restored', resolve));
    expect((await lost).expected).toBe(false);
    const back = await restored;
    expect(back.changed).toBe(true);
    expect(back.publicUrl).not.toBe(first);
    expect(tunnel.publicUrl).toBe(back.publicUrl);
  });

  it('gives up after its restart attempts, leaving no process behind', async () => {
    const fake = fakeNgrok('crash', { FAKE_NGROK_CRASH_AFTER_MS: '50' });
    const tunnel = await openTunnel({ kind: 'ngrok', reason: 'test' }, { port: PORT, env: fake.env, restartDelaysMs: [10, 10] });
    started.push(tunnel);
    const failed = await new Promise<NgrokFailure>((resolve) => tunnel.once('failed', resolve));
    expect(failed).toBeInstanceOf(NgrokFailure);
    expect(await waitUntilGone(fake.pids()!.pid)).toBe(true);
  });

  it('uses a public URL the user runs without starting anything', async () => {
    const tunnel = await openTunnel(
      { kind: 'public-url', url: 'https://mine.example.com', reason: '--public-url' },
      { port: PORT, env: { PATH: '' } },
    );
    expect(tunnel).toMatchObject({ kind: 'public-url', publicUrl: 'https://mine.example.com' });
  });

  const local = { mode: 'local' as const, tunnel: {} };
  const live = { mode: 'live' as const, tunnel: {} };
  it('opens ngrok in live mode, and in local mode only when asked', () => {
    expect(planTunnel({}, live)).toMatchObject({ kind: 'ngrok' });
    expect(planTunnel({}, local)).toMatchObject({ kind: 'none' });
    expect(planTunnel({ tunnel: true }, local)).toMatchObject({ kind: 'ngrok' });
    expect(planTunnel({ tunnel: false }, live)).toMatchObject({ kind: 'none', reason: '--no-tunnel was given' });
    expect(planTunnel({ ngrokUrl: 'https://Duo-Demo.ngrok.app/' }, local)).toEqual({
      kind: 'ngrok',
      domain: 'duo-demo.ngrok.app',
      reason: '--ngrok-url was given',
    });
  });

  it('uses --public-url or PUBLIC_URL instead of ngrok', () => {
    expect(planTunnel({ publicUrl: 'https://mine.example.com/' }, live)).toEqual({
      kind: 'public-url',
      url: 'https://mine.example.com',
      reason: '--public-url',
    });
    expect(planTunnel({}, { mode: 'live', tunnel: { publicUrl: 'https://env.example.com' } })).toMatchObject({
      kind: 'public-url',
      reason: 'PUBLIC_URL',
    });
    expect(planTunnel({ tunnel: true }, { mode: 'live', tunnel: { publicUrl: 'https://env.example.com' } })).toMatchObject({
      kind: 'ngrok',
    });
  });

  it('refuses contradictory flags as usage errors', () => {
    for (const flags of [
      { publicUrl: 'https://a.example.com', ngrokUrl: 'b.ngrok.app' },
      { tunnel: false, publicUrl: 'https://a.example.com' },
      { tunnel: true, publicUrl: 'https://a.example.com' },
      { publicUrl: 'http://a.example.com' },
      { ngrokUrl: 'not a domain' },
    ]) {
      expect(() => planTunnel(flags, local)).toThrow(expect.objectContaining({ exitCode: 2 }));
    }
  });
});

describe('ngrok log lines', () => {
  it('parses JSON and logfmt, and skips anything else', () => {
    expect(parseLogLine('{"lvl":"info","msg":"started tunnel","url":"https://x.ngrok.app"}')).toMatchObject({
      msg: 'started tunnel',
      url: 'https://x.ngrok.app',
    });
    expect(parseLogLine('t=2024 lvl=info msg="started tunnel" obj=tunnels url=https://x.ngrok.app')).toMatchObject({
      msg: 'started tunnel',
      url: 'https://x.ngrok.app',
    });
    expect(parseLogLine('lvl=eror msg="failed" err="a \\"quoted\\" word"')).toMatchObject({ err: 'a "quoted" word' });
    expect(parseLogLine('ngrok by @inconshreveable')).toBeUndefined();
    expect(parseLogLine('{not json')).toBeUndefined();
    expect(parseLogLine('')).toBeUndefined();
  });

  it('matches our port in the forms the agent uses', () => {
    expect(forwardsTo('http://127.0.0.1:8000', 8000)).toBe(true);
    expect(forwardsTo('http://localhost:8000/', 8000)).toBe(true);
    expect(forwardsTo('8000', 8000)).toBe(true);
    expect(forwardsTo('http://localhost:18000', 8000)).toBe(false);
  });
});
