import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Chalk } from 'chalk';
import { loadConfig, type Config, type Env } from '../../src/config.js';
import { loginWithPkce } from '../../src/duo/oidc-client.js';
import type { DuoEmulator } from '../../src/emulator/index.js';
import { startStack, type Stack, type StackOptions } from '../../src/stack.js';
import type { Terminal } from '../../src/ui/terminal.js';

/** A working directory without a .env, so the developer's own settings never leak into a test. */
export const EMPTY_DIR = mkdtempSync(join(tmpdir(), 'duo-arcade-test-'));

export const TEST_BEARER = 'test-hook-bearer-0123456789abcdef';

export function localConfig(env: Env = {}): Config {
  return loadConfig({ env: { HOOK_BEARER_TOKEN: TEST_BEARER, ...env }, cwd: EMPTY_DIR, flags: { mode: 'local', port: 0 } });
}

/** The Duo settings that point a live-mode stack at `emulator`, as if it were a tenant. */
export function duoSettingsOf(emulator: DuoEmulator): Env {
  return {
    DUO_OIDC_ISSUER: emulator.issuer,
    DUO_CLIENT_ID: emulator.credentials.clientId,
    DUO_CLIENT_SECRET: emulator.credentials.clientSecret,
    DUO_AUTH_HOST: emulator.authApiUrl,
    DUO_AUTH_IKEY: emulator.credentials.ikey,
    DUO_AUTH_SKEY: emulator.credentials.skey,
    DUO_STEPUP_USERNAME: 'demouser',
  };
}

export async function startLocalStack(env: Env = {}, options: StackOptions = {}): Promise<Stack> {
  return startStack(localConfig(env), options);
}

export const ALL_TEST_SCOPES = ['openid', 'profile', 'email', 'crm.contacts.read', 'crm.contacts.write', 'crm.deals.read'];

/** Signs demouser in through the emulator's real authorization-code + PKCE flow. */
export async function signIn(stack: Stack, scopes: string[] = ALL_TEST_SCOPES): Promise<string> {
  const client = stack.oidcClient!;
  const login = await loginWithPkce({ ...client, username: 'demouser', scopes, redirectUri: 'http://127.0.0.1:9/callback' });
  return login.accessToken;
}

export interface CapturedTerminal extends Terminal {
  out(): string;
  err(): string;
}

/** A terminal whose output is kept in memory: the CLI runs in-process, not interactive, colourless unless asked. */
export function captureTerminal(env: Env = {}, colourLevel: 0 | 1 = 0): CapturedTerminal {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return {
    stdout,
    stderr,
    stdin: new PassThrough(),
    env: { HOOK_BEARER_TOKEN: TEST_BEARER, ...env },
    cwd: EMPTY_DIR,
    colour: new Chalk({ level: colourLevel }),
    interactive: false,
    out: () => out,
    err: () => err,
  };
}

/** POSTs a pre-execution hook request with the test bearer and returns the parsed body. */
export async function postHook(hookUrl: string, inputs: Record<string, unknown>): Promise<{ code: string; error_message?: string }> {
  const response = await fetch(hookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_BEARER}` },
    body: JSON.stringify({
      execution_id: `e_${Math.random().toString(36).slice(2)}`,
      tool: { name: 'ListContacts', toolkit: 'DuoCrm', version: '1.0.0' },
      inputs,
      context: {},
    }),
  });
  return (await response.json()) as { code: string; error_message?: string };
}
