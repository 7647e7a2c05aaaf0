import { resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { listBuiltInScenarios } from '../scenarios/loader.js';
import { playScenarios } from '../scenarios/play.js';
import type { Terminal } from '../ui/terminal.js';
import { scenarioConfig, withInterrupt, type ModeOptions } from './shared.js';

export interface PlayFlags extends ModeOptions {
  yes?: boolean;
  auditLog?: string;
  /** demo only: expose the local stack through ngrok while it plays. */
  tunnel?: boolean;
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
    .option('--local', 'use the embedded Duo emulator (the default without a Duo account)')
    .option('--live', 'refused: scenarios revoke scopes and answer pushes, which only the emulator allows');
}

export function registerDemo(program: Command, term: Terminal, setExit: (code: number) => void): void {
  addPlayOptions(program.command('demo').description('play the whole demo (list, defence, revoke) offline, with narration'))
    .option('--tunnel', 'also open an ngrok tunnel to the local stack while the demo plays (the scenarios still run locally)')
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
      tunnel: options.tunnel,
    }),
  );
}
