import { loadConfig, parseModeFlags, readEnv, type Config, type ConfigFlags } from '../config.js';
import { UsageError } from '../errors.js';
import type { Terminal } from '../ui/terminal.js';

export interface ModeOptions {
  local?: boolean;
  live?: boolean;
  port?: string;
  host?: string;
}

export function configFromOptions(term: Terminal, options: ModeOptions, defaults: Partial<ConfigFlags> = {}): Config {
  return loadConfig({
    env: term.env,
    cwd: term.cwd,
    flags: {
      mode: parseModeFlags(options),
      port: options.port ?? defaults.port,
      host: options.host ?? defaults.host,
    },
  });
}

const LIVE_DUO_SETTINGS = [
  'DUO_OIDC_ISSUER',
  'DUO_INTROSPECTION_URL',
  'DUO_AUTH_HOST',
  'DUO_CLIENT_ID',
  'DUO_CLIENT_SECRET',
  'DUO_AUTH_IKEY',
  'DUO_AUTH_SKEY',
  'DUO_STEPUP_USERNAME',
  'DUO_USER_MAP',
];

/**
 * Switches that would change what the scenarios show (skip token checks, answer pushes without Duo, another
 * policy): their expectations are written for the real checks and the built-in policy, so these stay for `serve`.
 */
const SCENARIO_OVERRIDES = [
  'DEV_ALLOW_INSECURE',
  'DEV_SCOPES',
  'STEPUP_DEV_MODE',
  'SENSITIVE_QUERY_TERMS',
  'STEPUP_TOOLS',
  'STEPUP_WRITES',
  'STEPUP_POLICY_FILE',
  'STEPUP_MAX_PENDING',
];

/**
 * Scenarios play on the embedded emulator: they revoke scopes and answer pushes, which only a local Duo allows.
 * A live .env (kept for `serve`) therefore does not switch `demo` to live; an explicit --live is refused.
 */
export function scenarioConfig(term: Terminal, options: ModeOptions): Config {
  if (options.live || term.env.DUO_ARCADE_MODE?.trim().toLowerCase() === 'live') {
    throw new UsageError(
      `Scenarios play on the embedded Duo emulator: they revoke scopes and answer pushes, which a real tenant does not let a script do.`,
      `Drop ${options.live ? '--live' : 'DUO_ARCADE_MODE=live'} to play offline, or run \`duo-arcade serve --live\` and drive the agent from Arcade.`,
    );
  }
  const { env } = readEnv(term.env, term.cwd);
  const liveSettings = ['DUO_OIDC_ISSUER', 'DUO_AUTH_HOST'].some((name) => Boolean(env[name]?.trim()));
  // The demo is self-contained: a tenant's settings (even malformed ones) are for `serve`, and never shown here.
  const ignored = SCENARIO_OVERRIDES.filter((name) => env[name]?.trim());
  const offline = Object.fromEntries(
    Object.entries(env).filter(([name]) => !LIVE_DUO_SETTINGS.includes(name) && !SCENARIO_OVERRIDES.includes(name)),
  );
  const config = loadConfig({
    env: offline,
    cwd: term.cwd,
    dotenv: false,
    flags: { mode: 'local', port: options.port ?? '0', host: options.host },
  });
  return {
    ...config,

    modeReason:
      (options.local
        ? '--local was given'
        : liveSettings
          ? 'scenarios always play on the embedded Duo emulator (your live Duo settings are for `serve`)'
          : 'no Duo account is needed: the embedded Duo emulator stands in') +
      (ignored.length
        ? `; ${ignored.join(', ')} ${ignored.length === 1 ? 'is' : 'are'} for \`serve\`: the scenarios show the real checks`
        : ''),
  };
}

export type StopReason = NodeJS.Signals | 'abort';

/**
 * Watches for the first SIGINT/SIGTERM (or `signal` aborting) from now on. Start watching before anything a
 * script waits for is printed (the --json ready line): a signal sent right after it must stop us cleanly, not
 * meet Node's default handler.
 */
export function watchSignals(signal?: AbortSignal): { stopped: Promise<StopReason>; dispose(): void } {
  let dispose = () => {};
  const stopped = new Promise<StopReason>((resolve) => {
    const done = (why: StopReason) => {
      dispose();
      resolve(why);
    };
    const onInt = () => done('SIGINT');
    const onTerm = () => done('SIGTERM');
    const onAbort = () => done('abort');
    dispose = () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      signal?.removeEventListener('abort', onAbort);
    };
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
  });
  return { stopped, dispose: () => dispose() };
}

/** Aborts the controller on SIGINT/SIGTERM while `run` is in progress; a second signal quits at once. */
export async function withInterrupt<T>(run: (interrupt: AbortController) => Promise<T>): Promise<T> {
  const interrupt = new AbortController();
  const onSignal = () => {
    if (interrupt.signal.aborted) process.exit(130);
    interrupt.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await run(interrupt);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
