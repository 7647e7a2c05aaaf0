import { resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { listBuiltInScenarios } from '../scenarios/loader.js';
import { playScenarios } from '../scenarios/play.js';
import { planTunnel } from '../tunnel/tunnel.js';
import type { Terminal } from '../ui/terminal.js';
import { scenarioConfig, withInterrupt, type ModeOptions } from './shared.js';

export interface PlayFlags extends ModeOptions {
  yes?: boolean;
  auditLog?: string;
  /** demo only: expose the local stack while it plays (--tunnel / --no-tunnel, --ngrok-url, --public-url). */
  tunnel?: boolean;
  ngrokUrl?: string;
  publicUrl?: string;
  approve?: boolean;
  deny?: boolean;
  json?: boolean;
}

export function addPlayOptions(command: Command): Command {
  return command
    .option('-y, --yes', 'no prompts: advance automatically and answer pushes as scripted')
    .option('--approve', 'answer every push with Approve')
    .option('--deny', 'answer every push with Deny')
    .option('--json', 'print the results as JSON on stdout')
    .option('--audit-log <path>', 'also append each hook decision to this audit log')
    .option('-p, --port <port>', 'port for the local server (default: a free one)')
    .option('--local', 'play on the embedded Duo emulator (always the case: live settings in .env are for serve)')
    .option('--live', 'refused: scenarios revoke scopes and answer pushes, which only the emulator allows');
}

export function registerDemo(program: Command, term: Terminal, setExit: (code: number) => void): void {
  addPlayOptions(program.command('demo').description('play the whole demo (list, defence, revoke) offline, with narration'))
    .option('--tunnel', 'also open an ngrok tunnel to the local stack while the demo plays (the scenarios still run locally)')
    .option('--no-tunnel', 'no tunnel (the default)')
    .option('--ngrok-url <domain>', 'with a tunnel: your reserved ngrok domain (passed to ngrok as --url), so the URL survives restarts')
    .option('--public-url <url>', 'a tunnel you run yourself to --port: shown as the public URL, no ngrok is started')
    .action(async (options: PlayFlags) => setExit(await demo(term, options)));
}

export function phoneOverride(options: PlayFlags): 'approve' | 'deny' | undefined {
  if (options.approve && options.deny) throw new UsageError('--approve and --deny cannot be used together.');
  return options.approve ? 'approve' : options.deny ? 'deny' : undefined;
}

export function auditLogPath(term: Terminal, options: PlayFlags): string | undefined {
  return options.auditLog ? resolve(term.cwd, options.auditLog) : undefined;
}

export function playTerminal(term: Terminal, options: PlayFlags): Terminal {
  return options.yes || options.json ? { ...term, interactive: false } : term;
}

export async function demo(term: Terminal, options: PlayFlags): Promise<number> {
  const answer = phoneOverride(options);
  const config = scenarioConfig(term, options);
  // Only what was asked on the command line: the demo picks a free port, which a PUBLIC_URL in .env cannot point at.
  const plan = planTunnel(
    { tunnel: options.tunnel, ngrokUrl: options.ngrokUrl, publicUrl: options.publicUrl },
    { mode: 'local', tunnel: { ...config.tunnel, publicUrl: undefined } },
  );
  if (plan.kind === 'public-url' && (options.port === undefined || Number(options.port) === 0))
    throw new UsageError('--public-url needs --port <n>: the tunnel you run must point at the port the demo listens on.');
  const scenarios = listBuiltInScenarios();
  return withInterrupt((interrupt) =>
    playScenarios(scenarios, {
      term: playTerminal(term, options),
      config,
      answer,
      json: options.json,
      auditLog: auditLogPath(term, options),
      title: 'duo-arcade demo — Cisco Duo decides, Arcade enforces',
      interrupt,
      tunnel: plan.kind === 'none' ? undefined : plan,
    }),
  );
}
