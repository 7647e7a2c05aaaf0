import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parse as parseDotenv } from 'dotenv';
import { UsageError, UserError } from './errors.js';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ALL_SCOPES, TOOLS, findTool } from './tools.js';
import { callerKey } from './hook/identity.js';
import { fetchBlockedPortProblem, isFetchBlockedPort } from './http/fetch-blocked-ports.js';

export type Mode = 'local' | 'live';

/** Everything the process needs, validated once. Secrets live here and nowhere in output. */
export interface Config {
  mode: Mode;
  /** Why this mode was chosen, in words the user can act on. */
  modeReason: string;
  host: string;
  port: number;
  duo: {
    issuer?: string;
    clientId?: string;
    clientSecret?: string;
    introspectionUrl?: string;
    authIkey?: string;
    authSkey?: string;
    /** Base URL of the Auth API, `https://api-xxxx.duosecurity.com` (live) or the emulator (local). */
    authApiUrl?: string;
    stepupUsername: string;
  };
  hookBearerToken: string;
  /** True when we made the bearer up because none was configured (local mode only). */
  hookBearerGenerated: boolean;
  sensitiveTerms: string[];
  /** Tools that always need step-up (Arcade or MCP names), from STEPUP_TOOLS or the policy file. */
  stepUpTools: string[];
  /** Writes (crm.contacts.write) always need step-up. */
  stepUpWrites: boolean;
  /** Where the step-up rules came from, for the banner. */
  policySource: string;
  /** Caller identity (Arcade user id, email or username, lower case) → Duo username. Undefined: everyone is DUO_STEPUP_USERNAME. */
  userMap?: Record<string, string>;
  devAllowInsecure: boolean;
  devScopes: string[];
  stepupDevMode?: 'allow' | 'deny';
  /** Our own budget for one hook call: Arcade's hook timeout must be at least this. */
  hookTimeoutMs: number;
  /** Step-ups one Duo user may have waiting on their phone at once (STEPUP_MAX_PENDING). */
  maxPendingPushes: number;
  /** Where the .env values came from, for the startup banner (never the values). */
  envFile?: string;
  arcade: {
    /** Shared secret Arcade signs worker JWTs with; the /worker routes answer 503 without it. */
    workerSecret?: string;
    /** Arcade auth provider id each tool declares, so Arcade injects that provider's (Duo's) token. */
    providerId: string;
  };
  tunnel: {
    /** ngrok authtoken, passed to the agent in its environment only. */
    ngrokAuthtoken?: string;
    /** A public base URL the user runs themselves (their own tunnel or host): no ngrok is started. */
    publicUrl?: string;
  };
}

export type Env = Record<string, string | undefined>;

export interface ConfigFlags {
  mode?: Mode;
  port?: string | number;
  host?: string;
}

export const DEFAULT_SENSITIVE_TERMS = ['defence', 'defense', 'classified', 'military', 'intelligence'];
export const DEFAULT_PORT = 8000;
export const DEFAULT_HOOK_TIMEOUT_MS = 25_000;
/** Arcade's hook-level timeout_ms accepts at most 30 s (PROTOCOLS.md §3). */
export const ARCADE_MAX_HOOK_TIMEOUT_MS = 30_000;
/** The Arcade auth provider id of the original demo's Duo OIDC provider. */
export const DEFAULT_ARCADE_PROVIDER_ID = 'cisco-duo-oidc';

/** Every variable we read, with its default, for `--help` and the README. */
export const CONFIG_VARIABLES: ReadonlyArray<{ name: string; default: string; description: string }> = [
  {
    name: 'DUO_ARCADE_MODE',
    default: 'auto',
    description: '`local` (embedded Duo emulator) or `live` (real Duo). Auto: live when DUO_OIDC_ISSUER and DUO_AUTH_HOST are set.',
  },
  { name: 'DUO_OIDC_ISSUER', default: '–', description: 'Issuer of the Duo OIDC / OAuth 2.1 application (live).' },
  { name: 'DUO_CLIENT_ID', default: '–', description: 'Client ID of that application (live; accepted by the emulator in local mode).' },
  { name: 'DUO_CLIENT_SECRET', default: '–', description: 'Client secret, used for token introspection (live).' },
  {
    name: 'DUO_INTROSPECTION_URL',
    default: 'discovered, else <issuer>/token_introspection',
    description: 'RFC 7662 introspection endpoint, when not the discovered one.',
  },
  { name: 'DUO_AUTH_IKEY', default: '–', description: 'Auth API integration key (live; accepted by the emulator in local mode).' },
  { name: 'DUO_AUTH_SKEY', default: '–', description: 'Auth API secret key.' },
  { name: 'DUO_AUTH_HOST', default: '–', description: 'Auth API hostname, `api-XXXXXXXX.duosecurity.com`.' },
  { name: 'DUO_STEPUP_USERNAME', default: 'demouser', description: 'Duo username that receives the step-up push.' },
  { name: 'HOOK_BEARER_TOKEN', default: 'random (local)', description: 'Bearer token Arcade sends to /hooks/pre. Required in live mode.' },
  {
    name: 'HOOK_TIMEOUT_MS',
    default: String(DEFAULT_HOOK_TIMEOUT_MS),
    description: 'Our budget for one hook call (≤ 30000, Arcade’s maximum). Set Arcade’s hook timeout to at least this.',
  },
  {
    name: 'SENSITIVE_QUERY_TERMS',
    default: DEFAULT_SENSITIVE_TERMS.join(','),
    description: 'Comma-separated terms that make a tool call sensitive (step-up required).',
  },
  {
    name: 'STEPUP_MAX_PENDING',
    default: String(3),
    description:
      'Step-ups one Duo user may have waiting on their phone at once; more are refused (RATE_LIMIT_EXCEEDED), against push fatigue.',
  },
  { name: 'STEPUP_TOOLS', default: '–', description: 'Comma-separated tools that always need step-up (e.g. `get_contact`).' },
  { name: 'STEPUP_WRITES', default: 'false', description: 'Writes (`create_contact`) always need step-up.' },
  {
    name: 'STEPUP_POLICY_FILE',
    default: '–',
    description: 'YAML/JSON file with `terms`, `stepUpTools`, `stepUpWrites`; the variables above win over it.',
  },
  {
    name: 'DUO_USER_MAP',
    default: '–',
    description:
      'Who approves whose requests: JSON (`{"alice@example.com":"alice"}`), `id=duouser,…`, or a JSON/YAML file. Unmapped callers are refused.',
  },
  { name: 'DEV_ALLOW_INSECURE', default: 'false', description: 'Skip token validation and grant DEV_SCOPES. Development only.' },
  { name: 'DEV_SCOPES', default: ALL_SCOPES.join(','), description: 'Scopes granted when DEV_ALLOW_INSECURE=true.' },
  { name: 'STEPUP_DEV_MODE', default: '–', description: '`allow` or `deny`: answer step-ups without Duo. Development only.' },
  {
    name: 'ARCADE_WORKER_SECRET',
    default: '–',
    description:
      'Secret shared with Arcade for the worker surface (/worker): Arcade signs each call with it (HS256 JWT). Without it /worker answers 503.',
  },
  {
    name: 'ARCADE_PROVIDER_ID',
    default: DEFAULT_ARCADE_PROVIDER_ID,
    description: 'Id of the Duo OAuth provider in Arcade; every worker tool requires it, so Arcade injects the user’s Duo token.',
  },
  {
    name: 'NGROK_AUTHTOKEN',
    default: '–',
    description: 'ngrok authtoken, handed to the ngrok agent in its environment (never on its command line). Else ngrok’s own config.',
  },
  {
    name: 'PUBLIC_URL',
    default: '–',
    description: 'Public https base URL of a tunnel or host you run yourself (same as --public-url): no ngrok is started.',
  },
  {
    name: 'ARCADE_API_KEY',
    default: '–',
    description: 'Arcade API key `doctor` reads the provider, extension, hook and worker with. Unset: the Arcade checks are skipped.',
  },
  {
    name: 'ARCADE_BASE_URL',
    default: 'https://api.arcade.dev',
    description: 'Arcade API base URL for `doctor` (plain http only on loopback).',
  },
  { name: 'HOST', default: '127.0.0.1', description: 'Address to listen on.' },
  { name: 'PORT', default: String(DEFAULT_PORT), description: 'Port to listen on (0 picks a free one).' },
];

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off', '']);

/**
 * Reads `.env` from `cwd` (the process environment wins, as with dotenv) and merges it under `env`.
 * We never write into process.env, so tests can load many configs side by side.
 */
export function readEnv(env: Env, cwd: string): { env: Env; envFile?: string } {
  const path = resolve(cwd, '.env');
  if (!existsSync(path)) return { env };
  let fileValues: Record<string, string>;
  try {
    fileValues = parseDotenv(readFileSync(path));
  } catch (error) {
    throw new UserError(`Could not read ${path}: ${(error as Error).message}`);
  }
  return { env: { ...fileValues, ...env }, envFile: path };
}

export function loadConfig(options: {
  env: Env;
  cwd: string;
  flags?: ConfigFlags;
  /** false: `env` already holds .env's values. */ dotenv?: boolean;
}): Config {
  const { env, envFile } = options.dotenv === false ? { env: options.env, envFile: undefined } : readEnv(options.env, options.cwd);
  const flags = options.flags ?? {};
  const problems: string[] = [];
  const get = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };

  const { mode, modeReason } = chooseMode(env, flags, problems);

  const port = parsePort(flags.port ?? get('PORT') ?? String(DEFAULT_PORT), flags.port !== undefined ? '--port' : 'PORT', problems);
  const host = flags.host ?? get('HOST') ?? '127.0.0.1';

  const bool = (name: string): boolean => {
    const raw = (env[name] ?? '').trim().toLowerCase();
    if (TRUE_WORDS.has(raw)) return true;
    if (FALSE_WORDS.has(raw)) return false;
    problems.push(`${name}="${env[name]}" is not a boolean: use true or false.`);
    return false;
  };

  const issuer = get('DUO_OIDC_ISSUER');
  if (issuer) checkUrl('DUO_OIDC_ISSUER', issuer, problems);
  const introspectionUrl = get('DUO_INTROSPECTION_URL');
  if (introspectionUrl) checkUrl('DUO_INTROSPECTION_URL', introspectionUrl, problems);

  const authHost = get('DUO_AUTH_HOST');
  let authApiUrl: string | undefined;
  if (authHost) authApiUrl = authApiBaseUrl(authHost, mode, problems);

  const stepupDevRaw = get('STEPUP_DEV_MODE')?.toLowerCase();
  let stepupDevMode: 'allow' | 'deny' | undefined;
  if (stepupDevRaw === 'allow' || stepupDevRaw === 'deny') stepupDevMode = stepupDevRaw;
  else if (stepupDevRaw && !FALSE_WORDS.has(stepupDevRaw)) {
    problems.push(`STEPUP_DEV_MODE="${stepupDevRaw}" must be "allow" or "deny" (or unset to use Duo).`);
  }

  const devAllowInsecure = bool('DEV_ALLOW_INSECURE');
  const devScopes = splitList(get('DEV_SCOPES') ?? ALL_SCOPES.join(','));
  const policyFile = get('STEPUP_POLICY_FILE');
  const filePolicy = policyFile ? readPolicyFile(resolve(options.cwd, policyFile), problems) : {};
  const sensitiveTerms = (
    get('SENSITIVE_QUERY_TERMS') !== undefined ? splitList(get('SENSITIVE_QUERY_TERMS')!) : (filePolicy.terms ?? DEFAULT_SENSITIVE_TERMS)
  ).map((t) => t.toLowerCase());
  if (sensitiveTerms.length === 0)
    problems.push('SENSITIVE_QUERY_TERMS is empty: no call would ever need step-up. Unset it to use the defaults.');
  const stepUpTools = get('STEPUP_TOOLS') !== undefined ? splitList(get('STEPUP_TOOLS')!) : (filePolicy.stepUpTools ?? []);
  for (const tool of stepUpTools)
    if (!findTool(tool)) problems.push(`STEPUP_TOOLS names "${tool}", which is not a tool (${TOOLS.map((t) => t.name).join(', ')}).`);
  const stepUpWrites = env.STEPUP_WRITES !== undefined ? bool('STEPUP_WRITES') : (filePolicy.stepUpWrites ?? false);
  const policySource = policyFile ? `${policyFile} and the environment` : 'the environment and defaults';
  const userMapRaw = get('DUO_USER_MAP');
  const userMap = userMapRaw ? parseUserMap(userMapRaw, options.cwd, problems) : undefined;

  const hookTimeoutMs = parseHookTimeout(get('HOOK_TIMEOUT_MS'), problems);
  const maxPendingPushes = parseMaxPending(get('STEPUP_MAX_PENDING'), problems);

  let hookBearerToken = get('HOOK_BEARER_TOKEN');
  let hookBearerGenerated = false;
  if (!hookBearerToken) {
    if (mode === 'live')
      problems.push('HOOK_BEARER_TOKEN is not set: Arcade must authenticate to the hook. Generate one with `openssl rand -hex 32`.');
    hookBearerToken = randomBytes(24).toString('base64url');
    hookBearerGenerated = true;
  }

  const providerId = get('ARCADE_PROVIDER_ID') ?? DEFAULT_ARCADE_PROVIDER_ID;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(providerId)) {
    problems.push(`ARCADE_PROVIDER_ID="${providerId}" is not an Arcade auth provider id (letters, digits, ".", "_" and "-").`);
  }
  const publicUrlRaw = get('PUBLIC_URL');
  let publicUrl: string | undefined;
  if (publicUrlRaw) {
    try {
      publicUrl = parsePublicUrl(publicUrlRaw);
    } catch (error) {
      problems.push(`PUBLIC_URL: ${(error as Error).message}`);
    }
  }

  const duo: Config['duo'] = {
    issuer,
    clientId: get('DUO_CLIENT_ID'),
    clientSecret: get('DUO_CLIENT_SECRET'),
    introspectionUrl,
    authIkey: get('DUO_AUTH_IKEY'),
    authSkey: get('DUO_AUTH_SKEY'),
    authApiUrl,
    stepupUsername: get('DUO_STEPUP_USERNAME') ?? 'demouser',
  };

  if (mode === 'live') {
    const required: Array<[string, string | undefined]> = [
      ['DUO_OIDC_ISSUER', duo.issuer],
      ['DUO_CLIENT_ID', duo.clientId],
      ['DUO_CLIENT_SECRET', duo.clientSecret],
      ['DUO_AUTH_HOST', authHost],
      ['DUO_AUTH_IKEY', duo.authIkey],
      ['DUO_AUTH_SKEY', duo.authSkey],
      ['DUO_STEPUP_USERNAME', get('DUO_STEPUP_USERNAME')],
    ];
    const missing = required.filter(([, value]) => !value).map(([name]) => name);
    if (missing.length > 0)
      problems.push(`Live mode needs ${missing.join(', ')} (set ${missing.length === 1 ? 'it' : 'them'} in .env or the environment).`);
  }

  if (problems.length > 0) {
    throw new UserError(
      problems.length === 1
        ? `Invalid configuration: ${problems[0]}`
        : `Invalid configuration:\n${problems.map((p) => `  • ${p}`).join('\n')}`,
      mode === 'live'
        ? 'Fix the values above, or run offline with --local.'
        : 'Fix the values above (see the configuration table in the README).',
      flags.port !== undefined && problems.some((p) => p.startsWith('--port')) ? 2 : 1,
    );
  }

  return {
    mode,
    modeReason,
    host,
    port,
    duo,
    hookBearerToken,
    hookBearerGenerated,
    sensitiveTerms,
    stepUpTools,
    stepUpWrites,
    policySource,
    userMap,
    devAllowInsecure,
    devScopes,
    stepupDevMode,
    hookTimeoutMs,
    maxPendingPushes,
    envFile,
    arcade: { workerSecret: get('ARCADE_WORKER_SECRET'), providerId },
    tunnel: { ngrokAuthtoken: get('NGROK_AUTHTOKEN'), publicUrl },
  };
}

const PolicyFile = z.strictObject({
  terms: z.array(z.string().min(1)).min(1).optional(),
  stepUpTools: z.array(z.string()).optional(),
  stepUpWrites: z.boolean().optional(),
});

function readPolicyFile(path: string, problems: string[]): z.infer<typeof PolicyFile> {
  let data: unknown;
  try {
    data = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    problems.push(`STEPUP_POLICY_FILE ${path} cannot be read: ${(error as Error).message.split('\n')[0]}`);
    return {};
  }
  const parsed = PolicyFile.safeParse(data);
  if (!parsed.success) {
    problems.push(
      `STEPUP_POLICY_FILE ${path}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ')}`,
    );
    return {};
  }
  return parsed.data;
}

/** `{"alice@example.com":"alice"}`, `alice@example.com=alice,bob=bob.smith`, or a JSON/YAML file of the same object. */
function parseUserMap(raw: string, cwd: string, problems: string[]): Record<string, string> | undefined {
  let data: unknown;
  try {
    if (raw.startsWith('{')) data = JSON.parse(raw);
    else if (/\.(json|ya?ml)$/i.test(raw)) data = parseYaml(readFileSync(resolve(cwd, raw), 'utf8'));
    else data = Object.fromEntries(splitList(raw).map((pair) => pair.split('=').map((part) => part.trim())));
  } catch (error) {
    problems.push(`DUO_USER_MAP cannot be read: ${(error as Error).message.split('\n')[0]}`);
    return undefined;
  }
  const parsed = z.record(z.string().min(1), z.string().min(1)).safeParse(data);
  if (!parsed.success || Object.keys(parsed.data).length === 0) {
    problems.push('DUO_USER_MAP must map caller ids to Duo usernames, e.g. {"alice@example.com":"alice"} or alice@example.com=alice.');
    return undefined;
  }
  return Object.fromEntries(Object.entries(parsed.data).map(([caller, duoUser]) => [callerKey(caller), duoUser]));
}

/**
 * The base URL Arcade reaches us at: https (plain http only on loopback, for tests), no query or fragment,
 * without a trailing slash so paths append cleanly. Throws with a message naming what is wrong.
 */
export function parsePublicUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`"${shownUrl(value)}" is not a URL (expected e.g. https://my-tunnel.example.com).`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    throw new Error(`"${shownUrl(value)}" must use https: Arcade's cloud calls it over the internet.`);
  }
  if (url.search || url.hash || url.username || url.password)
    throw new Error(`"${shownUrl(value)}" must be a plain base URL, without query, fragment or credentials.`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** The mode and why: a flag, DUO_ARCADE_MODE, or live when both Duo settings are there (`serve` and `doctor` agree). */
export function chooseMode(env: Env, flags: ConfigFlags, problems: string[] = []): { mode: Mode; modeReason: string } {
  if (flags.mode) return { mode: flags.mode, modeReason: `--${flags.mode} was given` };
  const fromEnv = env.DUO_ARCADE_MODE?.trim().toLowerCase();
  if (fromEnv === 'local' || fromEnv === 'live') return { mode: fromEnv, modeReason: `DUO_ARCADE_MODE=${fromEnv}` };
  if (fromEnv && fromEnv !== 'auto') problems.push(`DUO_ARCADE_MODE="${env.DUO_ARCADE_MODE}" must be local, live or auto.`);
  const has = (name: string) => Boolean(env[name]?.trim());
  if (has('DUO_OIDC_ISSUER') && has('DUO_AUTH_HOST')) {
    return { mode: 'live', modeReason: 'DUO_OIDC_ISSUER and DUO_AUTH_HOST are set' };
  }
  const partial = ['DUO_OIDC_ISSUER', 'DUO_AUTH_HOST'].filter(has);
  if (partial.length > 0) {
    return {
      mode: 'local',
      modeReason: `only ${partial.join(' and ')} of the real Duo settings is set (pass --live to see what is missing)`,
    };
  }
  return { mode: 'local', modeReason: 'no Duo account is configured, so the embedded Duo emulator stands in' };
}

function parsePort(raw: string | number, source: string, problems: string[]): number {
  const text = String(raw).trim();
  const port = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    problems.push(`${source}="${raw}" is not a port number (0–65535; 0 picks a free one).`);
    return DEFAULT_PORT;
  }
  if (isFetchBlockedPort(port)) problems.push(fetchBlockedPortProblem(source, port));
  return port;
}

export const DEFAULT_MAX_PENDING_PUSHES = 3;

function parseMaxPending(raw: string | undefined, problems: string[]): number {
  if (raw === undefined) return DEFAULT_MAX_PENDING_PUSHES;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(value) || value < 1 || value > 100) {
    problems.push(`STEPUP_MAX_PENDING="${raw}" must be a whole number from 1 to 100 (pushes one user may have waiting at once).`);
    return DEFAULT_MAX_PENDING_PUSHES;
  }
  return value;
}

function parseHookTimeout(raw: string | undefined, problems: string[]): number {
  if (raw === undefined) return DEFAULT_HOOK_TIMEOUT_MS;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(value) || value < 1000 || value > ARCADE_MAX_HOOK_TIMEOUT_MS) {
    problems.push(
      `HOOK_TIMEOUT_MS="${raw}" must be a whole number of milliseconds between 1000 and ${ARCADE_MAX_HOOK_TIMEOUT_MS} (Arcade's hook timeout cannot exceed 30 s).`,
    );
    return DEFAULT_HOOK_TIMEOUT_MS;
  }
  return value;
}

function checkUrl(name: string, value: string, problems: string[]): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push(`${name}="${shownUrl(value)}" is not a URL (expected e.g. https://sso-xxxx.sso.duosecurity.com/oauth2/DIxxxx).`);
    return;
  }
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return;
  problems.push(`${name}="${shownUrl(value)}" must use https (plain http is accepted only on loopback).`);
}

/**
 * A URL as we may quote it in an error: a password, user name or query in it may be a secret pasted by mistake.
 * Something that is not a URL and does not look like a host is quoted only in part, for the same reason.
 */
export function shownUrl(value: string): string {
  try {
    const url = new URL(value);
    const masked = url.username || url.password ? '•••@' : '';
    return `${url.protocol}//${masked}${url.host}${url.pathname}${url.search ? '?…' : ''}${url.hash ? '#…' : ''}`;
  } catch {
    // A host-like typo is worth showing; a bare token-like string may be a secret in the wrong variable.
    return /[./:]/.test(value) || value.length <= 12 ? value : `${value.slice(0, 4)}… (${value.length} characters)`;
  }
}

/** `api-xxxx.duosecurity.com` in live mode; a loopback URL is accepted so a local emulator can stand in. */
function authApiBaseUrl(host: string, mode: Mode, problems: string[]): string | undefined {
  if (/^https?:\/\//i.test(host)) {
    let url: URL;
    try {
      url = new URL(host);
    } catch {
      problems.push(`DUO_AUTH_HOST="${shownUrl(host)}" is not a hostname.`);
      return undefined;
    }
    if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
      problems.push(`DUO_AUTH_HOST="${shownUrl(host)}": plain http is accepted only on loopback.`);
      return undefined;
    }
    if (!isLoopback(url.hostname) && !isDuoApiHost(url.hostname)) {
      problems.push(`DUO_AUTH_HOST="${shownUrl(host)}" is not a Duo API hostname (api-XXXXXXXX.duosecurity.com).`);
      return undefined;
    }
    return url.origin;
  }
  if (!isDuoApiHost(host.toLowerCase())) {
    if (mode === 'live') {
      problems.push(
        `DUO_AUTH_HOST="${host}" is not a Duo API hostname: copy "API hostname" from the Auth API application in the Duo Admin Panel (api-XXXXXXXX.duosecurity.com).`,
      );
    }
    return undefined;
  }
  return `https://${host.toLowerCase()}`;
}

function isDuoApiHost(hostname: string): boolean {
  return /^api-[a-z0-9]+\.duosecurity\.com$/.test(hostname) || /^api-[a-z0-9]+\.duofederal\.com$/.test(hostname);
}

export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

function splitList(value: string): string[] {
  return value
    .split(/[,\s]+/)
    .map((item) => item.trim())
    .filter(Boolean);
}

export function parseModeFlags(options: { local?: boolean; live?: boolean }): Mode | undefined {
  if (options.local && options.live) throw new UsageError('--local and --live cannot be used together.');
  if (options.local) return 'local';
  if (options.live) return 'live';
  return undefined;
}
