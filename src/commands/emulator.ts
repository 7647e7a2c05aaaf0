import type { Command } from 'commander';
import { readEnv } from '../config.js';
import { DEFAULT_ARCADE_REDIRECT_URI } from '../doctor/duo.js';
import {
  EMULATOR_MISCONFIGS,
  MISCONFIG_DESCRIPTIONS,
  isEmulatorMisconfig,
  startDuoEmulator,
  type EmulatorMisconfig,
} from '../emulator/index.js';
import { UsageError, UserError } from '../errors.js';
import type { Terminal } from '../ui/terminal.js';
import { watchSignals } from './shared.js';

export interface EmulatorCommandOptions {
  fault?: string[];
  port?: string;
  json?: boolean;
}

export function registerEmulator(program: Command, term: Terminal, setExit: (code: number) => void): void {
  program
    .command('emulator')
    .description('run the Duo emulator on its own, as a tenant doctor and live mode can point at (Auth API + OIDC)')
    .option(
      '--fault <name>',
      `reproduce a tenant misconfiguration (repeatable): ${EMULATOR_MISCONFIGS.join(', ')}`,
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('-p, --port <port>', 'port to listen on (0 picks a free one)', '0')
    .option('--json', 'print one ready line {"authApiUrl","issuer"} on stdout')
    .action(async (options: EmulatorCommandOptions) => setExit(await runEmulator(term, options)));
}

export async function runEmulator(term: Terminal, options: EmulatorCommandOptions, signal?: AbortSignal): Promise<number> {
  const faults: EmulatorMisconfig[] = [];
  for (const name of options.fault ?? []) {
    if (!isEmulatorMisconfig(name)) throw new UsageError(`Unknown --fault "${name}".`, `Choose from: ${EMULATOR_MISCONFIGS.join(', ')}.`);
    faults.push(name);
  }
  const portText = (options.port ?? '0').trim();
  const port = /^\d+$/.test(portText) ? Number(portText) : Number.NaN;
  if (!Number.isInteger(port) || port > 65535) throw new UsageError(`--port "${options.port}" is not a port number (0–65535).`);

  const { env } = readEnv(term.env, term.cwd);
  const get = (name: string) => env[name]?.trim() || undefined;
  const ikey = get('DUO_AUTH_IKEY');
  const skey = get('DUO_AUTH_SKEY');
  const clientId = get('DUO_CLIENT_ID');
  const clientSecret = get('DUO_CLIENT_SECRET');
  const signals = watchSignals(signal);
  const emulator = await startDuoEmulator({
    port,
    ...(ikey ? { ikey } : {}),
    ...(skey ? { skey } : {}),
    ...(clientId ? { clientId } : {}),
    ...(clientSecret ? { clientSecret } : {}),
    redirectUris: [DEFAULT_ARCADE_REDIRECT_URI],
    misconfig: faults,
  }).catch((error: NodeJS.ErrnoException) => {
    signals.dispose();
    if (error.code === 'EADDRINUSE')
      throw new UserError(`Port ${port} is already in use.`, 'Pick another with --port, or --port 0 for a free one.');
    throw error;
  });
  try {
    if (options.json) term.stdout.write(`${JSON.stringify({ authApiUrl: emulator.authApiUrl, issuer: emulator.issuer })}\n`);
    const c = term.colour;
    const err = (text = '') => term.stderr.write(`${text}\n`);
    err(`${c.bold('Duo emulator')} is running (Ctrl+C to stop)`);
    err(`  ${c.dim('DUO_AUTH_HOST'.padEnd(17))} ${emulator.authApiUrl}`);
    err(`  ${c.dim('DUO_OIDC_ISSUER'.padEnd(17))} ${emulator.issuer}`);
    err(`  ${c.dim('DUO_AUTH_IKEY'.padEnd(17))} ${emulator.credentials.ikey}${ikey ? '' : ' (generated)'}`);
    err(`  ${c.dim('DUO_CLIENT_ID'.padEnd(17))} ${emulator.credentials.clientId}${clientId ? '' : ' (generated)'}`);
    err(`  ${c.dim('push user'.padEnd(17))} demouser (Duo Mobile enrolled; pushes are approved)`);
    if (!skey || !clientSecret) {
      err(
        c.dim(
          '  Secret keys were generated and are never shown: set DUO_AUTH_IKEY, DUO_AUTH_SKEY, DUO_CLIENT_ID and DUO_CLIENT_SECRET to choose them.',
        ),
      );
    }
    for (const fault of faults) err(`  ${c.yellow('fault')} ${fault}: ${MISCONFIG_DESCRIPTIONS[fault]}`);
    await signals.stopped;
    return 0;
  } finally {
    signals.dispose();
    await emulator.close();
  }
}
