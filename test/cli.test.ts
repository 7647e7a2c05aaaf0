import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main, reportError } from '../src/cli.js';
import { serve } from '../src/commands/serve.js';
import { PassThrough } from 'node:stream';
import chalk from 'chalk';
import { colourLevel, startSpinner } from '../src/ui/terminal.js';
import { VERSION } from '../src/version.js';
import { EMPTY_DIR, TEST_BEARER, captureTerminal } from './support/stack.js';

const BIN = resolve(import.meta.dirname, '..', 'bin', 'duo-arcade.js');
// eslint-disable-next-line no-control-regex
const ANSI = /\u001B\[[0-9;]*m/;

async function run(args: string[], env: Record<string, string> = {}, colour: 0 | 1 = 0) {
  const term = captureTerminal(env, colour);
  const code = await main(['node', 'duo-arcade', ...args], term);
  return { code, out: term.out(), err: term.err() };
}

describe('demo', () => {
  it('plays the whole demo with --yes and exits 0, narration on stderr only', async () => {
    const { code, out, err } = await run(['demo', '--yes']);
    expect(code).toBe(0);
    expect(out).toBe('');
    for (const text of [
      'An everyday request runs at once',
      'A sensitive request needs a Duo Push',
      'Duo revokes a scope, the tool stops',
      'Missing required scope: crm.deals.read',
    ]) {
      expect(err).toContain(text);
    }
    expect(err).toMatch(/3 scenarios, 12 steps, all as expected/);
    expect(err).toMatch(/mode +local — no Duo account is needed/);
  });

  it('never prints a secret, even ones the user configured', async () => {
    const secrets = { DUO_AUTH_SKEY: 'S'.repeat(40), DUO_CLIENT_SECRET: 'C'.repeat(40), HOOK_BEARER_TOKEN: TEST_BEARER };
    const { code, out, err } = await run(['demo', '--yes', '--json'], {
      ...secrets,
      DUO_AUTH_IKEY: 'DIABCDEFGHIJKLMNOPQR',
      DUO_CLIENT_ID: 'DICLIENTIDCLIENTID00',
    });
    expect(code).toBe(0);
    for (const secret of Object.values(secrets)) {
      expect(out).not.toContain(secret);
      expect(err).not.toContain(secret);
    }
    expect(JSON.parse(out)).toMatchObject({ ok: true, mode: 'local' });
  });

  it('uses no colour when the terminal has none, and colour when asked', async () => {
    expect((await run(['scenario', 'run', 'list', '--yes'])).err).not.toMatch(ANSI);
    expect((await run(['scenario', 'run', 'list', '--yes'], {}, 1)).err).toMatch(ANSI);
  });
});

describe('demo with a live .env', () => {
  it('still plays offline on the emulator and says why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'duo-arcade-live-env-'));
    writeFileSync(
      join(dir, '.env'),
      [
        'DUO_OIDC_ISSUER=https://sso-abc.sso.duosecurity.com/oauth2/DIAPP',
        'DUO_AUTH_HOST=api-1234abcd.duosecurity.com',
        'DUO_STEPUP_USERNAME=alice',
        'DUO_INTROSPECTION_URL=not a url',
        'DUO_CLIENT_ID=DIREALTENANTCLIENT01',
        '',
      ].join('\n'),
    );
    const term = captureTerminal();
    const code = await main(['node', 'duo-arcade', 'demo', '--yes'], { ...term, cwd: dir });
    expect(code).toBe(0);
    expect(term.err()).toMatch(/mode +local — scenarios always play on the embedded Duo emulator/);
    // The tenant's settings are not used, not validated, and not shown.
    expect(term.err()).not.toContain('DIREALTENANTCLIENT01');
  });
});

describe('serve in-process', () => {
  it('answers pushes as --phone says and stops cleanly', async () => {
    const term = captureTerminal();
    const stop = new AbortController();
    const running = serve(term, { json: true, port: '0', local: true, phone: 'deny' }, stop.signal);
    while (!term.out().includes('\n')) await new Promise((r) => setTimeout(r, 20));
    const ready = JSON.parse(term.out()) as { hookUrl: string };
    const response = await fetch(ready.hookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_BEARER}` },
      body: JSON.stringify({
        execution_id: 'e1',
        tool: { name: 'ListContacts', toolkit: 'DuoCrm', version: '1' },
        inputs: { query: 'defence' },
        context: {},
      }),
    });
    expect(await response.json()).toMatchObject({ code: 'CHECK_FAILED' });
    stop.abort();
    expect(await running).toBe(0);
    expect(term.err()).toMatch(/phone +the virtual phone answers every push "deny"/);
    expect(term.err()).toMatch(/--> +hook +POST \/hooks\/pre/);
    expect(term.err()).toMatch(
      /<-- +hook +\[200\] +DuoCrm\.ListContacts +CHECK_FAILED · Duo approval was denied on the phone\. \[ref [0-9A-F]{6}\]/,
    );
    expect(term.err()).toMatch(/audit +.*\.duo-arcade\/audit\.jsonl/);
  });
});

describe('audit', () => {
  it('shows the decisions a demo recorded, and finds one by its reference', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'duo-arcade-audit-cli-'));
    const term = captureTerminal();
    expect(
      await main(['node', 'duo-arcade', 'scenario', 'defence', '--yes', '--audit-log', 'decisions.jsonl'], { ...term, cwd: dir }),
    ).toBe(0);
    const ref = /\[ref ([0-9A-F]{6})\]/.exec(term.err())![1]!;

    const listing = captureTerminal();
    expect(await main(['node', 'duo-arcade', 'audit', '--file', 'decisions.jsonl'], { ...listing, cwd: dir })).toBe(0);
    const lines = listing.out().trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/CHECK_FAILED +DuoCrm\.ListContacts +demouser +\[term "defence"\] +denied +ref [0-9A-F]{6}/);
    // Columns line up although the tools' names differ in length (ListContacts, GetContact).
    const column = (text: string) => lines.map((line) => line.indexOf(text, 20));
    expect(new Set(column('demouser')).size).toBe(1);
    expect(new Set(column('ref ')).size).toBe(1);

    const one = captureTerminal();
    expect(
      await main(['node', 'duo-arcade', 'audit', '--file', 'decisions.jsonl', '--ref', `[ref ${ref}]`, '--json'], { ...one, cwd: dir }),
    ).toBe(0);
    expect(JSON.parse(one.out())).toMatchObject({ ref, decision: 'CHECK_FAILED', outcome: 'denied' });
  });

  it('says a file that holds no audit entries is not an audit log, and names -n as the user typed it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'duo-arcade-audit-bad-'));
    writeFileSync(join(dir, 'notes.txt'), 'hello\nworld\n');
    const term = captureTerminal();
    expect(await main(['node', 'duo-arcade', 'audit', '--file', 'notes.txt'], { ...term, cwd: dir })).toBe(1);
    expect(term.err()).toMatch(/None of the 2 non-empty lines of .*notes\.txt is a duo-arcade audit entry/);
    const limit = captureTerminal();
    expect(await main(['node', 'duo-arcade', 'audit', '-n', 'abc'], { ...limit, cwd: dir })).toBe(2);
    expect(limit.err()).toMatch(/-n \(--limit\) must be a whole number/);
  });

  it('says where it looked when there is no log', async () => {
    const term = captureTerminal();
    expect(await main(['node', 'duo-arcade', 'audit'], { ...term, cwd: mkdtempSync(join(tmpdir(), 'duo-arcade-no-audit-')) })).toBe(1);
    expect(term.err()).toMatch(/No audit log at .*audit\.jsonl/);
  });
});

describe('errors the machine causes', () => {
  it('names a network failure as one, with what to check, not as a bug in duo-arcade', () => {
    const term = captureTerminal();
    const code = reportError(new Error('Could not reach OIDC discovery at http://127.0.0.1:4/x: ENETUNREACH'), term);
    expect(code).toBe(1);
    expect(term.err()).toMatch(/A network problem on this machine \(ENETUNREACH\), not a bug: check that loopback/);
    expect(term.err()).not.toMatch(/This is a bug/);
    const bug = captureTerminal();
    expect(reportError(new TypeError('x is undefined'), bug)).toBe(1);
    expect(bug.err()).toMatch(/Unexpected error: x is undefined[\s\S]*This is a bug in duo-arcade/);
  });
});

describe('colour level', () => {
  it('honours NO_COLOR and FORCE_COLOR', () => {
    expect(colourLevel({ NO_COLOR: '1' }, true)).toBe(0);
    expect(colourLevel({}, false)).toBe(0);
    expect(colourLevel({}, true)).toBeGreaterThan(0);
    expect(colourLevel({ FORCE_COLOR: '1' }, false)).toBe(1);
    expect(colourLevel({ FORCE_COLOR: '0' }, true)).toBe(0);
    expect(colourLevel({ NO_COLOR: '1', FORCE_COLOR: '3' }, false)).toBe(3);
  });

  it('keeps spinners plain when colour is off, though ora would colour them', async () => {
    const spin = async (colour: 0 | 1) => {
      const term = captureTerminal({}, colour);
      const stream = Object.assign(new PassThrough(), {
        isTTY: true,
        columns: 80,
        cursorTo: () => true,
        clearLine: () => true,
        moveCursor: () => true,
      });
      let written = '';
      stream.on('data', (chunk: Buffer) => (written += chunk.toString()));
      const spinner = startSpinner({ ...term, stderr: stream }, 'waiting');
      await new Promise((resolve) => setTimeout(resolve, 120));
      spinner.stop();
      return written;
    };
    const level = chalk.level;
    chalk.level = 3; // what ora's own chalk would use in a colour terminal
    // ora animates only where it thinks a person watches: not under CI, not on a dumb terminal.
    const { CI, TERM } = process.env;
    delete process.env.CI;
    process.env.TERM = 'xterm-256color';
    try {
      expect(await spin(1)).toMatch(ANSI);
      expect(await spin(0)).toMatch(/waiting/);
      expect(await spin(0)).not.toMatch(/\u001B\[3\dm/);
    } finally {
      chalk.level = level;
      if (CI !== undefined) process.env.CI = CI;
      if (TERM !== undefined) process.env.TERM = TERM;
      else delete process.env.TERM;
    }
  });
});

describe('usage', () => {
  it('prints the version and help with exit 0', async () => {
    const version = await run(['--version']);
    expect(version).toMatchObject({ code: 0, out: `${VERSION}\n` });
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['serve', 'demo', 'scenario', 'doctor']) expect(help.out).toContain(command);
    expect(help.out).toContain('HOOK_BEARER_TOKEN');
  });

  it('exits 2 for an unknown command, an unknown flag, or conflicting flags', async () => {
    expect((await run(['fly'])).code).toBe(2);
    expect((await run(['demo', '--colour'])).code).toBe(2);
    const conflict = await run(['serve', '--local', '--live']);
    expect(conflict.code).toBe(2);
    expect(conflict.err).toContain('--local and --live cannot be used together');
    expect((await run(['demo', '--approve', '--deny'])).code).toBe(2);
    expect((await run(['serve', '--port', 'abc'])).code).toBe(2);
    expect((await run(['serve', '--phone', 'maybe'])).code).toBe(2);
  });

  it('prints help for `help <command>` with exit 0', async () => {
    const { code, out } = await run(['help', 'serve']);
    expect(code).toBe(0);
    expect(out).toContain('Usage: duo-arcade serve');
  });

  it('prints help on stderr with exit 2 when no command is given', async () => {
    const { code, err, out } = await run([]);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain('Usage: duo-arcade');
  });

  it('refuses --live for scripted scenarios with exit 2 and says what to do', async () => {
    const { code, err } = await run(['demo', '--live']);
    expect(code).toBe(2);
    expect(err).toMatch(/Drop --live to play offline/);
  });

  it('doctor exits 2 for conflicting modes', async () => {
    const { code, err } = await run(['doctor', '--local', '--live']);
    expect(code).toBe(2);
    expect(err).toContain('--local and --live cannot be used together');
  });

  it('explains a live configuration that is incomplete, without a stack trace', async () => {
    const { code, err } = await run(['serve', '--live']);
    expect(code).toBe(1);
    expect(err).toMatch(/Live mode needs DUO_OIDC_ISSUER/);
    expect(err).not.toMatch(/\n\s+at /);
  });
});

describe('the built binary', () => {
  it('serve --json prints one ready line with the URLs, serves, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--json', '--port', '0'], {
      cwd: EMPTY_DIR,
      env: { PATH: process.env.PATH, HOOK_BEARER_TOKEN: TEST_BEARER },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    const firstLine = await new Promise<string>((done, fail) => {
      createInterface({ input: child.stdout }).once('line', done);
      child.once('exit', () => fail(new Error(`serve exited early: ${stderr}`)));
    });
    const ready = JSON.parse(firstLine) as Record<string, unknown> & { duo: Record<string, string> };
    expect(Object.keys(ready).sort()).toEqual(['duo', 'healthUrl', 'hookUrl', 'mcpUrl', 'mode', 'url']);
    expect(ready.mode).toBe('local');
    expect(ready.hookUrl).toBe(`${String(ready.url)}/hooks/pre`);
    expect(Object.keys(ready.duo).sort()).toEqual(['authApiUrl', 'issuer']);
    expect(firstLine).not.toContain(TEST_BEARER);

    expect(await (await fetch(String(ready.healthUrl))).json()).toEqual({ status: 'healthy' });
    const ping = (await (await fetch(`${ready.duo.authApiUrl}/auth/v2/ping`)).json()) as { stat: string };
    expect(ping.stat).toBe('OK');

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).not.toContain(TEST_BEARER);
  });

  it('serve answers a hook call still waiting for a push with CHECK_FAILED when it gets SIGTERM', async () => {
    // The phone never answers, so the call is pending for the whole 25 s budget unless shutdown answers it.
    const child = spawn(process.execPath, [BIN, 'serve', '--json', '--port', '0', '--phone', 'timeout', '--no-audit-log'], {
      cwd: EMPTY_DIR,
      env: { PATH: process.env.PATH, HOOK_BEARER_TOKEN: TEST_BEARER },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const pushed = new Promise<void>((done) =>
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/push\s+→ demouser/.test(stderr)) done();
      }),
    );
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    const ready = JSON.parse(await new Promise<string>((done) => createInterface({ input: child.stdout }).once('line', done))) as {
      hookUrl: string;
    };
    const answer = fetch(ready.hookUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_BEARER}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        execution_id: 'exec-shutdown',
        tool: { name: 'ListContacts', toolkit: 'DuoCrm', version: '0.1.0' },
        inputs: { query: 'defence' },
        context: { user_id: 'demouser' },
      }),
    });
    await pushed;
    child.kill('SIGTERM');
    const response = await answer;
    expect(response.status).toBe(200);
    const body = (await response.json()) as { code: string; error_message: string };
    expect(body.code).toBe('CHECK_FAILED');
    expect(body.error_message).toMatch(/shutting down/);
    expect(await exited).toBe(0);
  });
});
