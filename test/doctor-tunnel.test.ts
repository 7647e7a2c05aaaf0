import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuoEmulator } from '../src/emulator/index.js';
import type { Stack } from '../src/stack.js';
import { liveEnv, runDoctor, startTenant } from './support/doctor.js';
import { startNgrok } from '../src/tunnel/ngrok.js';
import { NGROK_TOKEN, fakeNgrok } from './support/ngrok.js';
import { startLocalStack } from './support/stack.js';

let tenant: DuoEmulator;
let server: Stack;
beforeAll(async () => {
  tenant = await startTenant();
  server = await startLocalStack();
});
afterAll(async () => {
  await server.close();
  await tenant.close();
});

async function httpServer(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; close(): Promise<void> }> {
  const s: Server = createServer(handle);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(s.address() as { port: number }).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      }),
  };
}

const emptyHome = () => mkdtempSync(join(tmpdir(), 'duo-arcade-home-'));

function tunnelEnv(mode = 'ready', extra: Record<string, string> = {}) {
  return liveEnv(tenant, { ...fakeNgrok(mode).env, HOME: emptyHome(), PORT: '8000', ...extra });
}

describe('doctor: the ngrok agent', () => {
  it('finds ngrok 3, the authtoken in the environment (never printed) and a valid config', async () => {
    const run = await runDoctor(['--live', '--json'], tunnelEnv('ready', { NGROK_AUTHTOKEN: NGROK_TOKEN }));
    expect(run.row('tunnel-ngrok')).toMatchObject({ status: 'ok', detail: expect.stringMatching(/ngrok 3\.22\.1/) });
    expect(run.row('tunnel-authtoken')).toMatchObject({ status: 'ok', detail: expect.stringMatching(/43 characters, ends …/) });
    expect(run.row('tunnel-config').status).toBe('ok');
    expect(run.row('tunnel-agent')).toMatchObject({ status: 'ok', detail: expect.stringMatching(/no ngrok agent is running/) });
    expect(run.row('tunnel-public-url')).toMatchObject({ status: 'skip', detail: expect.stringMatching(/no public URL known/) });
    expect(run.out).not.toContain(NGROK_TOKEN);
  });

  it('names a missing ngrok, and skips what needs it', async () => {
    const run = await runDoctor(['--live', '--json'], liveEnv(tenant, { PATH: emptyHome(), HOME: emptyHome() }));
    expect(run.row('tunnel-ngrok')).toMatchObject({
      status: 'error',
      detail: 'ngrok is not on PATH',
      fix: expect.stringMatching(/Install ngrok 3/),
    });
    expect(run.row('tunnel-authtoken').detail).toMatch(/skipped: needs "ngrok agent"/);
  });

  it('names an ngrok 2 agent', async () => {
    const run = await runDoctor(['--live', '--json'], tunnelEnv('ready', { FAKE_NGROK_VERSION: '2.3.40', NGROK_AUTHTOKEN: NGROK_TOKEN }));
    expect(run.row('tunnel-ngrok')).toMatchObject({ status: 'error', detail: expect.stringMatching(/ngrok 2\.3\.40 .*needs ngrok 3/) });
  });

  it('finds the authtoken in a v3 or v2 config file, and names its absence (ERR_NGROK_4018)', async () => {
    const none = await runDoctor(['--live', '--json'], tunnelEnv());
    expect(none.row('tunnel-authtoken')).toMatchObject({ status: 'error', detail: expect.stringMatching(/ERR_NGROK_4018/) });
    expect(none.row('tunnel-authtoken').fix).toMatch(/NGROK_AUTHTOKEN/);

    const v3 = emptyHome();
    mkdirSync(join(v3, '.config', 'ngrok'), { recursive: true });
    writeFileSync(join(v3, '.config', 'ngrok', 'ngrok.yml'), `version: "3"\nagent:\n  authtoken: ${NGROK_TOKEN}\n`);
    const withV3 = await runDoctor(['--live', '--json'], tunnelEnv('ready', { HOME: v3 }));
    expect(withV3.row('tunnel-authtoken')).toMatchObject({ status: 'ok', detail: expect.stringMatching(/agent\.authtoken, v3 layout/) });
    expect(withV3.out).not.toContain(NGROK_TOKEN);

    const v2 = emptyHome();
    mkdirSync(join(v2, '.ngrok2'));
    writeFileSync(join(v2, '.ngrok2', 'ngrok.yml'), `authtoken: ${NGROK_TOKEN}\n`);
    const withV2 = await runDoctor(['--live', '--json'], tunnelEnv('ready', { HOME: v2 }));
    expect(withV2.row('tunnel-authtoken')).toMatchObject({ status: 'ok', detail: expect.stringMatching(/v2 layout/) });
  });

  it('names an invalid config file', async () => {
    const home = emptyHome();
    mkdirSync(join(home, '.config', 'ngrok'), { recursive: true });
    writeFileSync(join(home, '.config', 'ngrok', 'ngrok.yml'), `authtoken: ${NGROK_TOKEN}\n`);
    const run = await runDoctor(['--live', '--json'], tunnelEnv('ready', { FAKE_NGROK_CONFIG: 'invalid', HOME: home }));
    expect(run.row('tunnel-config')).toMatchObject({ status: 'error', fix: expect.stringMatching(/ngrok config upgrade/) });
  });
});

describe('doctor: other agents and the public URL', () => {
  it('warns of another running agent (ERR_NGROK_108 ahead), and uses one that forwards to our port', async () => {
    let forward = 'http://localhost:9999';
    const agent = await httpServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ tunnels: [{ name: 'x', public_url: 'https://127.0.0.1:1', proto: 'https', config: { addr: forward } }] }));
    });
    try {
      const busy = await runDoctor(['--live', '--json', '--ngrok-api', agent.url], tunnelEnv('ready', { NGROK_AUTHTOKEN: NGROK_TOKEN }));
      expect(busy.row('tunnel-agent')).toMatchObject({ status: 'warn', detail: expect.stringMatching(/ERR_NGROK_108/) });
      forward = 'http://127.0.0.1:8000';
      const ours = await runDoctor(['--live', '--json', '--ngrok-api', agent.url], tunnelEnv('ready', { NGROK_AUTHTOKEN: NGROK_TOKEN }));
      expect(ours.row('tunnel-agent')).toMatchObject({ status: 'ok', detail: expect.stringMatching(/already forwards port 8000/) });
      // An agent whose API moved up a port (4040 was taken) is still found among the addresses tried.
      const moved = await runDoctor(
        ['--live', '--json', '--ngrok-api', `http://127.0.0.1:9,${agent.url}`],
        tunnelEnv('ready', { NGROK_AUTHTOKEN: NGROK_TOKEN }),
      );
      expect(moved.row('tunnel-agent')).toMatchObject({ status: 'ok', detail: expect.stringMatching(/already forwards port 8000/) });
    } finally {
      await agent.close();
    }
  });

  it('reaches our /health through the public URL', async () => {
    const run = await runDoctor(['--live', '--json', '--public-url', server.url], liveEnv(tenant));
    expect(run.row('tunnel-public-url')).toMatchObject({ status: 'ok', detail: expect.stringMatching(/reaches duo-arcade/) });
    expect(run.row('tunnel-ngrok').detail).toMatch(/skipped: a public URL is given/);
  });

  it("names ngrok's offline endpoint (ERR_NGROK_3200) and a URL that is not us", async () => {
    const offline = await httpServer((_req, res) => {
      res.statusCode = 404;
      res.setHeader('ngrok-error-code', 'ERR_NGROK_3200');
      res.end('<html>The endpoint is offline. ERR_NGROK_3200</html>');
    });
    const other = await httpServer((_req, res) => {
      res.statusCode = 404;
      res.end('nothing here');
    });
    try {
      const down = await runDoctor(['--live', '--json', '--public-url', offline.url], liveEnv(tenant));
      expect(down.row('tunnel-public-url')).toMatchObject({ status: 'error', detail: expect.stringMatching(/ERR_NGROK_3200.*offline/) });
      const wrong = await runDoctor(['--live', '--json', '--public-url', other.url], liveEnv(tenant));
      expect(wrong.row('tunnel-public-url')).toMatchObject({ status: 'error', detail: expect.stringMatching(/not duo-arcade's health/) });
    } finally {
      await offline.close();
      await other.close();
    }
  });

  it('finds the fake ngrok agent running for another port (ERR_NGROK_108 ahead), and its tunnel when it is ours', async () => {
    const fake = fakeNgrok('ready');
    const agent = await startNgrok({ port: 8000, env: fake.env, authtoken: NGROK_TOKEN });
    try {
      const api = agent.apiUrl!;
      const other = await runDoctor(
        ['--live', '--json', '--ngrok-api', api],
        tunnelEnv('ready', { NGROK_AUTHTOKEN: NGROK_TOKEN, PORT: '9000' }),
      );
      expect(other.row('tunnel-agent')).toMatchObject({ status: 'warn', fix: expect.stringMatching(/Stop the other agent/) });
      // --public-url keeps the end-to-end row off the internet: the fake's own URL leads nowhere.
      const ours = await runDoctor(
        ['--live', '--json', '--ngrok-api', api, '--public-url', server.url],
        tunnelEnv('ready', { NGROK_AUTHTOKEN: NGROK_TOKEN, PORT: '8000' }),
      );
      expect(ours.row('tunnel-agent')).toMatchObject({
        status: 'ok',
        detail: expect.stringMatching(/https:\/\/fake-[0-9a-f]+\.ngrok-free\.app/),
      });
      expect(ours.row('tunnel-public-url').status).toBe('ok');
    } finally {
      await agent.stop();
    }
  });
});
