import { main } from '../../src/cli.js';
import { startDuoEmulator, type DuoEmulator, type EmulatorOptions } from '../../src/emulator/index.js';
import { DEFAULT_ARCADE_REDIRECT_URI } from '../../src/doctor/duo.js';
import { captureTerminal } from './stack.js';

export const STRONG_BEARER = '9f2c4e6a8b0d1f3e5a7c9e1b3d5f7a9c2e4b6d8f0a1c3e5b';
export const CREDS = {
  ikey: 'DIDOCTORTESTIKEY0001',
  skey: 'doctor-test-skey-0123456789abcdefghijklmn',
  clientId: 'DIDOCTORCLIENT000001',
  clientSecret: 'doctor-test-client-secret-0123456789abcd',
};

export interface DoctorRow {
  id: string;
  group: string;
  title: string;
  status: 'ok' | 'warn' | 'error' | 'skip';
  detail: string;
  fix?: string;
}

export interface DoctorRun {
  code: number;
  out: string;
  err: string;
  json?: { ok: boolean; summary: { errors: number; warnings: number }; checks: DoctorRow[] };
  row(id: string): DoctorRow;
}

/** Runs `duo-arcade doctor` in-process with the given environment (no .env, no ngrok agent API by default). */
export async function runDoctor(args: string[], env: Record<string, string> = {}, stdin?: string): Promise<DoctorRun> {
  const term = captureTerminal(env);
  if (stdin !== undefined) (term.stdin as NodeJS.ReadWriteStream).end(stdin);
  const code = await main(['node', 'duo-arcade', 'doctor', '--ngrok-api', 'http://127.0.0.1:9', ...args], term);
  const out = term.out();
  const json = args.includes('--json') && out ? (JSON.parse(out) as DoctorRun['json']) : undefined;
  return {
    code,
    out,
    err: term.err(),
    json,
    row: (id) => {
      const row = json?.checks.find((r) => r.id === id);
      if (!row) throw new Error(`no row ${id} in ${out}`);
      return row;
    },
  };
}

/** A Duo emulator with known credentials that accepts Arcade's redirect URI: a stand-in for a live tenant. */
export function startTenant(options: EmulatorOptions = {}): Promise<DuoEmulator> {
  return startDuoEmulator({ ...CREDS, redirectUris: [DEFAULT_ARCADE_REDIRECT_URI], ...options });
}

/** The live settings that point doctor at `tenant`. */
export function liveEnv(tenant: DuoEmulator, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DUO_OIDC_ISSUER: tenant.issuer,
    DUO_AUTH_HOST: tenant.authApiUrl,
    DUO_AUTH_IKEY: CREDS.ikey,
    DUO_AUTH_SKEY: CREDS.skey,
    DUO_CLIENT_ID: CREDS.clientId,
    DUO_CLIENT_SECRET: CREDS.clientSecret,
    DUO_STEPUP_USERNAME: 'demouser',
    HOOK_BEARER_TOKEN: STRONG_BEARER,
    ARCADE_WORKER_SECRET: 'w0rker-secret-7c1e9a3b5d2f4e6a8c0b1d3f5a7c9e2b',
    PORT: '0',
    ...extra,
  };
}
