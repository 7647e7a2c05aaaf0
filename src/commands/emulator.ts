import { rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { readEnv } from '../config.js';
import { DEFAULT_ARCADE_REDIRECT_URI } from '../doctor/duo.js';
import {
  EMULATOR_MISCONFIGS,
  MISCONFIG_DESCRIPTIONS,
  isEmulatorMisconfig,
  startDuoEmulator,
  type DuoEmulator,
  type EmulatorMisconfig,
} from '../emulator/index.js';
import { UsageError, UserError, errorMessage } from '../errors.js';
import { fetchBlockedPortProblem, isFetchBlockedPort } from '../http/fetch-blocked-ports.js';
import type { Terminal } from '../ui/terminal.js';
import { watchSignals } from './shared.js';

export interface EmulatorCommandOptions {
  fault?: string[];
  port?: string;
  json?: boolean;
  writeEnv?: string;
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
    .option(
      '--write-env <path>',
      'write the settings that point at this emulator, secrets included, to a new file (mode 600; removed on exit)',
    )
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
  if (isFetchBlockedPort(port)) throw new UsageError(fetchBlockedPortProblem('--port', port));

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
  let envFile: string | undefined;
  try {
    if (options.writeEnv) {
      const path = resolve(term.cwd, options.writeEnv);
      writeEmulatorEnv(path, emulator);
      envFile = path; // only now ours to remove
    }
    if (options.json) term.stdout.write(`${JSON.stringify({ authApiUrl: emulator.authApiUrl, issuer: emulator.issuer })}\n`);
    const c = term.colour;
    const err = (text = '') => term.stderr.write(`${text}\n`);
    err(`${c.bold('Duo emulator')} is running (Ctrl+C to stop)`);
    err(`  ${c.dim('DUO_AUTH_HOST'.padEnd(17))} ${emulator.authApiUrl}`);
    err(`  ${c.dim('DUO_OIDC_ISSUER'.padEnd(17))} ${emulator.issuer}`);
    err(`  ${c.dim('DUO_AUTH_IKEY'.padEnd(17))} ${emulator.credentials.ikey}${ikey ? '' : ' (generated)'}`);
    err(`  ${c.dim('DUO_CLIENT_ID'.padEnd(17))} ${emulator.credentials.clientId}${clientId ? '' : ' (generated)'}`);
    err(`  ${c.dim('push user'.padEnd(17))} demouser (Duo Mobile enrolled; pushes are approved)`);
    if (envFile) err(`  ${c.dim('settings'.padEnd(17))} written to ${envFile}, secret keys included (removed when the emulator stops)`);
    else if (!skey || !clientSecret) {
      err(
        c.dim(
          '  Secret keys were generated and are never shown: set DUO_AUTH_IKEY, DUO_AUTH_SKEY, DUO_CLIENT_ID and DUO_CLIENT_SECRET to choose them, or pass --write-env emulator.env to have them written to a file for doctor and serve --live.',
        ),
      );
    }
    for (const fault of faults) err(`  ${c.yellow('fault')} ${fault}: ${MISCONFIG_DESCRIPTIONS[fault]}`);
    await signals.stopped;
    return 0;
  } finally {
    signals.dispose();
    if (envFile) rmSync(envFile, { force: true });
    await emulator.close();
  }
}

/**
 * The settings `doctor` and `serve --live` need to use this emulator as their tenant. A file of its own, never an
 * existing one overwritten: the secrets are this emulator's, valid only while it runs.
 */
function writeEmulatorEnv(path: string, emulator: DuoEmulator): void {
  const { ikey, skey, clientId, clientSecret } = emulator.credentials;
  const lines = [
    '# Written by `duo-arcade emulator`: points duo-arcade at the local Duo emulator. Removed when it stops.',
    `DUO_AUTH_HOST=${emulator.authApiUrl}`,
    `DUO_AUTH_IKEY=${ikey}`,
    `DUO_AUTH_SKEY=${skey}`,
    `DUO_OIDC_ISSUER=${emulator.issuer}`,
    `DUO_CLIENT_ID=${clientId}`,
    `DUO_CLIENT_SECRET=${clientSecret}`,
    'DUO_STEPUP_USERNAME=demouser',
  ];
  try {
    writeFileSync(path, `${lines.join('\n')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(
      code === 'EEXIST'
        ? `${path} already exists; the emulator writes only a file of its own.`
        : `Cannot write ${path}: ${code ?? errorMessage(error)}.`,
      code === 'EEXIST' ? 'Pass another --write-env path, or move that file away.' : 'Pass a path in a folder you can write to.',
    );
  }
}
