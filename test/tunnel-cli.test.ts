import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { serve } from '../src/commands/serve.js';
import { EMPTY_DIR, TEST_BEARER, captureTerminal, postHook, type CapturedTerminal } from './support/stack.js';
import { NGROK_TOKEN, fakeNgrok, waitFor, waitUntilGone } from './support/ngrok.js';

const BIN = resolve(import.meta.dirname, '..', 'bin', 'duo-arcade.js');
const CRASH_PRELOAD = resolve(import.meta.dirname, 'fixtures', 'crash-on-sigusr2.mjs');
const WORKER_SECRET = 'worker-secret-0123456789abcdef0123456789';
const SECRETS = [NGROK_TOKEN, TEST_BEARER, WORKER_SECRET];

interface Ready {
  url: string;
  hookUrl: string;
  publicUrl?: string;
}

/** A port nothing listens on now: the demo binds it next. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function untilText(term: CapturedTerminal, pattern: RegExp): Promise<void> {
  await waitFor(() => (pattern.test(term.err()) ? true : undefined), 15_000);
}

async function readyLine(term: CapturedTerminal): Promise<Ready> {
  await waitFor(() => (term.out().includes('\n') ? true : undefined), 15_000);
  return JSON.parse(term.out()) as Ready;
}

describe('serve --tunnel (in-process, fake ngrok on PATH)', () => {
  it('prints the Ready block and one JSON line with publicUrl, logs each call, and stops the agent on exit', async () => {
    const fake = fakeNgrok('ready');
    const term = captureTerminal({ ...fake.env, NGROK_AUTHTOKEN: NGROK_TOKEN, ARCADE_WORKER_SECRET: WORKER_SECRET });
    const stop = new AbortController();
    const running = serve(term, { tunnel: true, json: true, port: '0' }, stop.signal);
    const ready = await readyLine(term);
    expect(ready.publicUrl).toMatch(/^https:\/\/fake-[0-9a-f]{8}\.ngrok-free\.app$/);
    expect(term.out().trim().split('\n')).toHaveLength(1);

    const err = term.err();
    for (const text of [
      `Ready! Arcade can reach this stack at ${ready.publicUrl}`,
      `hook URL      ${ready.publicUrl}/hooks/pre`,
      'health path   /health',
      'Bearer = the value of HOOK_BEARER_TOKEN',
      'at least 25000 ms',
      'fail_closed',
      'Servers → Add server → type Arcade',
      `URL           ${ready.publicUrl}`,
      'the value of ARCADE_WORKER_SECRET',
      '"cisco-duo-oidc"',
      `${ready.publicUrl}/mcp`,
    ]) {
      expect(err).toContain(text);
    }

    expect(await postHook(ready.hookUrl, { query: 'pipeline' })).toMatchObject({ code: 'OK' });
    await untilText(term, /<-- +hook +\[200\] +DuoCrm\.ListContacts +OK · not sensitive/);
    expect(term.err()).toMatch(/\d\d:\d\d:\d\d +--> +hook +POST \/hooks\/pre/);

    const { pid } = fake.pids()!;
    stop.abort();
    expect(await running).toBe(0);
    expect(await waitUntilGone(pid)).toBe(true);
    for (const secret of SECRETS) {
      expect(term.out()).not.toContain(secret);
      expect(term.err()).not.toContain(secret);
    }
  });

  it('uses --public-url without starting any ngrok', async () => {
    const noNgrok = mkdtempSync(join(tmpdir(), 'duo-arcade-no-ngrok-'));
    const term = captureTerminal({ PATH: noNgrok });
    const stop = new AbortController();
    const running = serve(term, { publicUrl: 'https://my-tunnel.example.com/', json: true, port: '0' }, stop.signal);
    const ready = await readyLine(term);
    expect(ready.publicUrl).toBe('https://my-tunnel.example.com');
    expect(term.err()).toContain('hook URL      https://my-tunnel.example.com/hooks/pre');
    expect(term.err()).toContain('your own tunnel or host');
    stop.abort();
    expect(await running).toBe(0);
  });

  it('reports a crashed agent at once, restarts it, and names the new URL', async () => {
    const fake = fakeNgrok('crash-once', { FAKE_NGROK_CRASH_AFTER_MS: '150' });
    const term = captureTerminal(fake.env);
    const stop = new AbortController();
    const running = serve(term, { tunnel: true, json: true, port: '0' }, stop.signal);
    const ready = await readyLine(term);
    await untilText(term, /TUNNEL DOWN/);
    expect(term.err()).toMatch(/ngrok stopped \(exit code 1\): .*remote gone away/);
    expect(term.err()).toMatch(/Arcade cannot reach the hook or the worker until it is back/);
    await untilText(term, /tunnel back at https:\/\/fake-/);
    expect(term.err()).toMatch(/The public URL changed:/);
    expect(term.err()).not.toContain(`tunnel back at ${ready.publicUrl!}\n`);
    const { pid } = fake.pids()!;
    stop.abort();
    expect(await running).toBe(0);
    expect(await waitUntilGone(pid)).toBe(true);
  });
});

describe('demo --tunnel', () => {
  it('exposes the local stack while the scenarios play, then stops the agent', async () => {
    const fake = fakeNgrok('ready');
    const term = captureTerminal(fake.env);
    expect(await main(['node', 'duo-arcade', 'demo', '--yes', '--tunnel'], term)).toBe(0);
    expect(term.err()).toMatch(/public +https:\/\/fake-[0-9a-f]{8}\.ngrok-free\.app/);
    expect(term.err()).toMatch(/all as expected/);
    expect(await waitUntilGone(fake.pids()!.pid)).toBe(true);
  });

  it('passes --ngrok-url to the agent as its reserved domain', async () => {
    const fake = fakeNgrok('ready');
    const term = captureTerminal(fake.env);
    expect(await main(['node', 'duo-arcade', 'demo', '--yes', '--ngrok-url', 'duo-demo.ngrok.app'], term)).toBe(0);
    expect(fake.record()!.argv).toEqual(expect.arrayContaining(['--url', 'duo-demo.ngrok.app']));
    expect(await waitUntilGone(fake.pids()!.pid)).toBe(true);
  });

  it('shows a --public-url of your own without starting ngrok, and needs the port it points at', async () => {
    const fake = fakeNgrok('ready');
    const port = String(await freePort());
    const term = captureTerminal(fake.env);
    expect(await main(['node', 'duo-arcade', 'demo', '--yes', '--public-url', 'https://demo.example.com', '--port', port], term)).toBe(0);
    expect(term.err()).toMatch(/public +https:\/\/demo\.example\.com +\(hook https:\/\/demo\.example\.com\/hooks\/pre via your own tunnel/);
    expect(fake.record()).toBeUndefined();
    const noPort = captureTerminal(fake.env);
    expect(await main(['node', 'duo-arcade', 'demo', '--yes', '--public-url', 'https://demo.example.com'], noPort)).toBe(2);
    expect(noPort.err()).toMatch(/--public-url needs --port/);
  });

  it('says to drop --tunnel when ngrok is missing', async () => {
    const term = captureTerminal({ PATH: mkdtempSync(join(tmpdir(), 'duo-arcade-no-ngrok-')) });
    expect(await main(['node', 'duo-arcade', 'demo', '--yes', '--tunnel'], term)).toBe(1);
    expect(term.err()).toMatch(/without --tunnel/);
    expect(term.err()).not.toMatch(/--no-tunnel/);
  });
});

describe('serve --tunnel failures: exit 1 with advice, never a stack trace or the token', () => {
  const run = async (mode: string, args: string[] = []) => {
    const fake = fakeNgrok(mode);
    const term = captureTerminal({ ...fake.env, NGROK_AUTHTOKEN: NGROK_TOKEN });
    const code = await main(['node', 'duo-arcade', 'serve', '--tunnel', '--port', '0', ...args], term);
    return { code, out: term.out(), err: term.err(), fake };
  };

  for (const [mode, advice] of [
    ['err4018', /ngrok needs a verified account and an authtoken[\s\S]*NGROK_AUTHTOKEN/],
    ['err105', /authtoken is malformed/],
    ['err107', /authtoken is invalid/],
    ['err108', /Another ngrok agent is already running/],
    ['config-version', /ngrok config upgrade/],
  ] as const) {
    it(`${mode}`, async () => {
      const { code, out, err, fake } = await run(mode);
      expect(code).toBe(1);
      expect(out).toBe('');
      expect(err).toMatch(advice);
      expect(err).not.toMatch(/\n\s+at /);
      expect(err).not.toContain(NGROK_TOKEN);
      expect(await waitUntilGone(fake.pids()!.pid)).toBe(true);
    });
  }

  it('says how to install ngrok, or run without it, when it is missing', async () => {
    const term = captureTerminal({ PATH: mkdtempSync(join(tmpdir(), 'duo-arcade-no-ngrok-')) });
    const code = await main(['node', 'duo-arcade', 'serve', '--tunnel', '--port', '0'], term);
    expect(code).toBe(1);
    expect(term.err()).toMatch(/ngrok is not installed/);
    expect(term.err()).toMatch(/--no-tunnel/);
  });

  it('refuses contradictory tunnel flags with exit 2', async () => {
    const term = captureTerminal();
    expect(await main(['node', 'duo-arcade', 'serve', '--public-url', 'https://a.example.com', '--ngrok-url', 'b.ngrok.app'], term)).toBe(
      2,
    );
    expect(await main(['node', 'duo-arcade', 'serve', '--no-tunnel', '--ngrok-url', 'b.ngrok.app'], term)).toBe(2);
  });
});

describe('the built binary never leaves ngrok behind', () => {
  type Child = ChildProcessByStdio<null, Readable, Readable>;

  async function startServe(nodeArgs: string[] = []) {
    const fake = fakeNgrok('ready');
    const child: Child = spawn(process.execPath, [...nodeArgs, BIN, 'serve', '--tunnel', '--json', '--port', '0'], {
      cwd: EMPTY_DIR,
      env: { ...fake.env, HOOK_BEARER_TOKEN: TEST_BEARER, NGROK_AUTHTOKEN: NGROK_TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
      child.on('exit', (code, signal) => done({ code, signal })),
    );
    const line = await new Promise<string>((done, fail) => {
      createInterface({ input: child.stdout }).once('line', done);
      child.once('exit', () => fail(new Error(`serve exited early: ${stderr}`)));
    });
    const ready = JSON.parse(line) as Ready;
    expect(ready.publicUrl).toMatch(/^https:\/\/fake-/);
    const pids = await waitFor(() => fake.pids());
    return { child, exited, pids, stderr: () => stderr };
  }

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`stops the agent when serve gets ${signal}, and exits 0`, async () => {
      const { child, exited, pids, stderr } = await startServe();
      child.kill(signal);
      expect(await exited, stderr()).toEqual({ code: 0, signal: null });
      expect(await waitUntilGone(pids.pid)).toBe(true);
      expect(await waitUntilGone(pids.ppid)).toBe(true);
      expect(stderr()).not.toContain(NGROK_TOKEN);
    });
  }

  it('stops the agent when serve is killed outright (SIGKILL: no cleanup code runs)', async () => {
    const { child, exited, pids } = await startServe();
    child.kill('SIGKILL');
    expect((await exited).signal).toBe('SIGKILL');
    expect(await waitUntilGone(pids.pid)).toBe(true);
  });

  it('stops the agent when serve dies of an uncaught error', async () => {
    const { child, exited, pids, stderr } = await startServe(['--import', CRASH_PRELOAD]);
    child.kill('SIGUSR2');
    expect((await exited).code).toBe(1);
    expect(stderr()).toContain('simulated crash');
    expect(await waitUntilGone(pids.pid)).toBe(true);
  });
});
