import type { Config, Mode } from '../config.js';
import type { Stack } from '../stack.js';

export type CheckStatus = 'ok' | 'warn' | 'error' | 'skip';
export type CheckGroup = 'config' | 'duo-oidc' | 'duo-auth' | 'arcade' | 'tunnel' | 'local';

export const GROUPS: ReadonlyArray<{ id: CheckGroup; title: string }> = [
  { id: 'config', title: 'Configuration' },
  { id: 'duo-oidc', title: 'Duo OIDC (sign-in and scopes)' },
  { id: 'duo-auth', title: 'Duo Auth API (step-up push)' },
  { id: 'arcade', title: 'Arcade' },
  { id: 'tunnel', title: 'Tunnel (ngrok)' },
  { id: 'local', title: 'Local server' },
];

export interface CheckResult {
  status: CheckStatus;
  /** What was found, in one or a few lines. Never a secret. */
  detail: string;
  /** What to do about it (for warn and error). */
  fix?: string;
}

/** Everything doctor read, leniently: a missing or malformed value is a finding, not a crash. */
export interface DoctorSettings {
  mode: Mode;
  modeReason: string;
  /** The environment merged with .env. */
  env: Record<string, string | undefined>;
  envFile?: string;
  /** The validated config, when it validates. */
  config?: Config;
  /** loadConfig's complaint when it does not. */
  configProblems: string[];
  issuer?: string;
  clientId?: string;
  clientSecret?: string;
  introspectionUrl?: string;
  authApiUrl?: string;
  authIkey?: string;
  authSkey?: string;
  stepupUsername: string;
  hookTimeoutMs: number;
  port: number;
  host: string;
  providerId: string;
  arcadeApiKey?: string;
  arcadeBaseUrl: string;
  /** From --public-url or PUBLIC_URL. */
  publicUrl?: string;
  ngrokAuthtoken?: string;
}

export interface DoctorContext {
  settings: DoctorSettings;
  /** Aborted when the check's own timeout passes. */
  signal: AbortSignal;
  /** `--token`: a real Duo access token to introspect. */
  token?: string;
  /** The server (and, with --local, the emulator) doctor started to check; or why it could not. */
  stack?: Stack;
  stackError?: string;
  /** The bearer that server's hook expects. */
  hookBearer?: string;
  /** The ngrok agent API doctor looks for a running agent at. */
  /** Where to look for a running ngrok agent's API. */
  ngrokApiUrls: string[];
  /** Another check's result (only those listed in `needs` or `after` are sure to be there). */
  result(id: string): CheckResult | undefined;
  /**
   * Shares one network answer between checks (discovery, the plugin list …). `compute` gets a signal of its own,
   * not the first caller's: it aborts after the network limit, or when the run ends.
   */
  memo<T>(key: string, compute: (signal: AbortSignal) => Promise<T>): Promise<T>;
}

export interface Check {
  id: string;
  title: string;
  group: CheckGroup;
  /** Skipped (with the reason) unless every one of these passed or warned. */
  needs?: string[];
  /** Runs after these, whatever their outcome, to read their results. */
  after?: string[];
  /** Talks to the network: gets the network timeout. */
  network?: boolean;
  /** Only in this mode (the offline stack has no Arcade and no tunnel). */
  modes?: ReadonlyArray<'live' | 'local'>;
  run(ctx: DoctorContext): Promise<CheckResult>;
}

export interface CheckRow extends CheckResult {
  id: string;
  group: CheckGroup;
  title: string;
}

export const ok = (detail: string): CheckResult => ({ status: 'ok', detail });
export const warn = (detail: string, fix: string): CheckResult => ({ status: 'warn', detail, fix });
export const error = (detail: string, fix: string): CheckResult => ({ status: 'error', detail, fix });
export const skip = (detail: string): CheckResult => ({ status: 'skip', detail });

/** Shows that a secret is there without showing it: length and, when long enough, the last 4 characters. */
export function describeSecret(value: string | undefined): string {
  if (!value) return 'not set';
  return value.length >= 16 ? `set (${value.length} characters, ends …${value.slice(-4)})` : `set (${value.length} characters)`;
}
