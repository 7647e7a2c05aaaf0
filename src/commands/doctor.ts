import type { Command } from 'commander';
import { parseModeFlags, parsePublicUrl, type Config } from '../config.js';
import { CHECKS } from '../doctor/checks/index.js';
import { DEFAULT_ARCADE_REDIRECT_URI } from '../doctor/duo.js';
import { jsonReport, renderReport } from '../doctor/report.js';
import { runChecks, summarise } from '../doctor/run.js';
import { DEFAULT_NGROK_APIS } from '../doctor/public-url.js';
import { readDoctorSettings } from '../doctor/settings.js';
import type { DoctorSettings } from '../doctor/types.js';
import { UsageError, errorMessage } from '../errors.js';
import { startStack, type Stack } from '../stack.js';
import { startSpinner, type Terminal } from '../ui/terminal.js';

export interface DoctorOptions {
  local?: boolean;
  live?: boolean;
  json?: boolean;
  strict?: boolean;
  token?: string;
  publicUrl?: string;
  timeout?: string;
  ngrokApi?: string;
}

export function registerDoctor(program: Command, term: Terminal, setExit: (code: number) => void): void {
  program
    .command('doctor')
    .description('check the Duo, Arcade and ngrok setup: every problem named, with its fix')
    .option('--local', 'check the offline stack (the embedded Duo emulator and our own server): no account needed')
    .option('--live', 'check the real Duo tenant, Arcade and the tunnel configured in the environment')
    .option('--json', 'print {ok, summary, checks} as one JSON document on stdout')
    .option('--strict', 'warnings fail too (exit 1)')
    .option('--token <token>', 'a Duo access token to introspect: which tools it can run, which scopes it lacks ("-" reads it from stdin)')
    .option('--public-url <url>', 'the public base URL Arcade calls (default: PUBLIC_URL, else the running ngrok agent)')
    .option('--timeout <seconds>', 'limit for each network check', '5')
    .option(
      '--ngrok-api <url>',
      'where a running ngrok agent serves its API (comma-separated to try several; default 127.0.0.1:4040 to 4045)',
    )
    .action(async (options: DoctorOptions) => setExit(await doctor(term, options)));
}

export async function doctor(term: Terminal, options: DoctorOptions): Promise<number> {
  const mode = parseModeFlags(options);
  const seconds = Number(options.timeout ?? '5');
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 120) {
    throw new UsageError(`--timeout "${options.timeout}" must be a number of seconds above 0, at most 120.`);
  }
  let publicUrl: string | undefined;
  if (options.publicUrl) {
    try {
      publicUrl = parsePublicUrl(options.publicUrl);
    } catch (error) {
      throw new UsageError(`--public-url: ${errorMessage(error)}`);
    }
  }
  // "-" keeps the token out of the shell history and the process list.
  const token = options.token === '-' ? (await readAll(term.stdin)).trim() : options.token;
  if (options.token === '-' && !token) throw new UsageError('--token - read no token from stdin.');
  const settings = readDoctorSettings({ env: term.env, cwd: term.cwd, mode, publicUrl });
  const spinner = term.interactive && !options.json ? startSpinner(term, 'Checking Duo, Arcade and the tunnel…') : undefined;

  let stack: Stack | undefined;
  let stackError: string | undefined;
  if (settings.config) {
    try {
      stack = await startOwnStack(settings.config);
      if (stack.emulator) useEmulator(settings, stack);
    } catch (error) {
      stackError = errorMessage(error);
    }
  } else {
    stackError = 'the configuration is invalid (see the Configuration rows above)';
  }

  const checks = CHECKS.filter((check) => !check.modes || check.modes.includes(settings.mode));
  const secrets = [
    ...['DUO_AUTH_SKEY', 'DUO_CLIENT_SECRET', 'HOOK_BEARER_TOKEN', 'ARCADE_API_KEY', 'ARCADE_WORKER_SECRET', 'NGROK_AUTHTOKEN'].map(
      (name) => settings.env[name]?.trim(),
    ),
    settings.authSkey,
    settings.clientSecret,
    settings.config?.hookBearerToken,
    token,
  ];
  let rows;
  try {
    rows = await runChecks(
      checks,
      {
        settings,
        ...(token ? { token } : {}),
        ...(stack ? { stack, hookBearer: settings.config?.hookBearerToken } : {}),
        ...(stackError ? { stackError } : {}),
        ngrokApiUrls: options.ngrokApi ? options.ngrokApi.split(',').map((url) => url.trim().replace(/\/+$/, '')) : DEFAULT_NGROK_APIS,
      },
      { networkTimeoutMs: seconds * 1000, secrets },
    );
  } finally {
    spinner?.stop();
    await stack?.close();
  }

  const summary = summarise(rows);
  if (options.json) term.stdout.write(jsonReport(rows, Boolean(options.strict)));
  else {
    const c = term.colour;
    const heading =
      `${c.bold('duo-arcade doctor')} — ${settings.mode} mode ${c.dim(`(${settings.modeReason})`)}` +
      (settings.mode === 'local'
        ? `\n${c.dim('Arcade and tunnel checks need live mode: run `duo-arcade doctor --live` once Duo is configured.')}`
        : '');
    term.stderr.write(renderReport(rows, term, heading));
  }
  return summary.errors > 0 || (options.strict && summary.warnings > 0) ? 1 : 0;
}

/** Our own server on a free port (and, in local mode, the emulator), so the hook can be probed for real. */
async function startOwnStack(config: Config): Promise<Stack> {
  return startStack({ ...config, host: '127.0.0.1', port: 0 }, { emulator: { redirectUris: [DEFAULT_ARCADE_REDIRECT_URI] } });
}

/** In local mode the Duo checks run against the embedded emulator the stack started. */
function useEmulator(settings: DoctorSettings, stack: Stack): void {
  const emulator = stack.emulator!;
  settings.issuer = emulator.issuer;
  settings.clientId = emulator.credentials.clientId;
  settings.clientSecret = emulator.credentials.clientSecret;
  settings.introspectionUrl = undefined;
  settings.authApiUrl = emulator.authApiUrl;
  settings.authIkey = emulator.credentials.ikey;
  settings.authSkey = emulator.credentials.skey;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
  return text;
}
