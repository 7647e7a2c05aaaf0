import {
  chooseMode,
  DEFAULT_ARCADE_PROVIDER_ID,
  DEFAULT_HOOK_TIMEOUT_MS,
  DEFAULT_PORT,
  isLoopback,
  loadConfig,
  parsePublicUrl,
  readEnv,
  type Config,
  type Mode,
} from '../config.js';
import { UserError } from '../errors.js';
import type { DoctorSettings } from './types.js';

export const DEFAULT_ARCADE_BASE_URL = 'https://api.arcade.dev';

/**
 * Reads the settings the way `serve` would, but never throws: doctor reports every problem as a row. The mode is
 * the one `serve` would pick (`chooseMode`).
 */
export function readDoctorSettings(options: {
  env: Record<string, string | undefined>;
  cwd: string;
  mode?: Mode;
  publicUrl?: string;
}): DoctorSettings {
  const { env, envFile } = readEnv(options.env, options.cwd);
  const get = (name: string): string | undefined => env[name]?.trim() || undefined;
  const has = (name: string) => get(name) !== undefined;
  const modeProblems: string[] = [];
  const { mode, modeReason } = chooseMode(env, options.mode ? { mode: options.mode } : {}, modeProblems);

  let config: Config | undefined;
  // The mode is passed on below as a flag, so loadConfig would not see a bad DUO_ARCADE_MODE: report it here.
  const configProblems: string[] = [...modeProblems];
  try {
    config = loadConfig({ env: options.env, cwd: options.cwd, flags: { mode } });
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    const text = error.message.replace(/^Invalid configuration:\s*/, '');
    configProblems.push(
      ...text
        .split('\n')
        .map((line) => line.replace(/^\s*•\s*/, '').trim())
        .filter(Boolean),
    );
  }

  const port = /^\d+$/.test(get('PORT') ?? '') ? Number(get('PORT')) : DEFAULT_PORT;
  const timeout = get('HOOK_TIMEOUT_MS');
  const hookTimeoutMs = timeout && /^\d+$/.test(timeout) ? Number(timeout) : DEFAULT_HOOK_TIMEOUT_MS;
  let publicUrl: string | undefined;
  for (const candidate of [options.publicUrl, get('PUBLIC_URL')]) {
    if (!candidate || publicUrl) continue;
    try {
      publicUrl = parsePublicUrl(candidate);
    } catch {
      // reported by the config check
    }
  }
  return {
    mode,
    modeReason,
    env,
    ...(envFile ? { envFile } : {}),
    ...(config ? { config } : {}),
    configProblems,
    issuer: get('DUO_OIDC_ISSUER')?.replace(/\/+$/, ''),
    clientId: get('DUO_CLIENT_ID'),
    clientSecret: get('DUO_CLIENT_SECRET'),
    introspectionUrl: get('DUO_INTROSPECTION_URL'),
    authApiUrl: authApiUrlOf(get('DUO_AUTH_HOST')),
    authIkey: get('DUO_AUTH_IKEY'),
    authSkey: get('DUO_AUTH_SKEY'),
    stepupUsername: get('DUO_STEPUP_USERNAME') ?? 'demouser',
    hookTimeoutMs,
    port,
    host: get('HOST') ?? '127.0.0.1',
    providerId: get('ARCADE_PROVIDER_ID') ?? DEFAULT_ARCADE_PROVIDER_ID,
    arcadeApiKey: get('ARCADE_API_KEY'),
    arcadeBaseUrl: (get('ARCADE_BASE_URL') ?? DEFAULT_ARCADE_BASE_URL).replace(/\/+$/, ''),
    ...(publicUrl ? { publicUrl } : {}),
    ngrokAuthtoken: get('NGROK_AUTHTOKEN'),
  };
}

/** `api-xxxx.duosecurity.com` → https://…; a URL (plain http on loopback only) is kept as its origin. */
export function authApiUrlOf(host: string | undefined): string | undefined {
  if (!host) return undefined;
  if (/^https?:\/\//i.test(host)) {
    try {
      const url = new URL(host);
      if (url.protocol === 'http:' && !isLoopback(url.hostname)) return undefined;
      return url.origin;
    } catch {
      return undefined;
    }
  }
  return /^[a-z0-9.-]+$/i.test(host) ? `https://${host.toLowerCase()}` : undefined;
}

/** Whether a URL is https, or plain http on loopback (the emulator, a local fake). */
export function isAcceptableUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname));
  } catch {
    return false;
  }
}

export function isLoopbackUrl(value: string): boolean {
  try {
    return isLoopback(new URL(value).hostname);
  } catch {
    return false;
  }
}
