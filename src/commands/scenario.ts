import type { Command } from 'commander';
import { listBuiltInScenarios, resolveScenario } from '../scenarios/loader.js';
import { playScenarios } from '../scenarios/play.js';
import { UsageError } from '../errors.js';
import type { Terminal } from '../ui/terminal.js';
import { addPlayOptions, auditLogPath, phoneOverride, playTerminal, type PlayFlags } from './demo.js';
import { scenarioConfig, withInterrupt } from './shared.js';

export function registerScenario(program: Command, term: Terminal, setExit: (code: number) => void): void {
  addPlayOptions(
    program
      .command('scenario')
      .argument('[name|path]', 'a built-in scenario (list, defence, revoke) or a path to a .yaml/.json file; omit it to list them')
      .option('-l, --list', 'list the scenarios instead of playing one')
      .description('play one scenario; with no name (or --list), list them'),
  ).action(async (name: string | undefined, options: PlayFlags & { list?: boolean }) => setExit(await scenario(term, name, options)));
}

/**
 * `scenario list` plays the "list" flow: the flow names come first. Listing is `scenario`, `scenario --list`
 * or `scenario ls`.
 */
export async function scenario(term: Terminal, name: string | undefined, options: PlayFlags & { list?: boolean }): Promise<number> {
  if (options.list && name !== undefined)
    throw new UsageError(
      `--list lists the scenarios; it does not take a name ("${name}").`,
      `Run \`duo-arcade scenario ${name}\` to play it.`,
    );
  if (options.list || name === undefined || name === 'ls') return listScenarios(term, options.json ?? false);
  const answer = phoneOverride(options);
  const chosen = resolveScenario(name, term.cwd);
  const config = scenarioConfig(term, options);
  return withInterrupt((interrupt) =>
    playScenarios([chosen], {
      term: playTerminal(term, options),
      config,
      answer,
      json: options.json,
      auditLog: auditLogPath(term, options),
      title: `duo-arcade scenario ${chosen.name}`,
      interrupt,
    }),
  );
}

function listScenarios(term: Terminal, json: boolean): number {
  const scenarios = listBuiltInScenarios();
  if (json) {
    term.stdout.write(
      `${JSON.stringify(scenarios.map((s) => ({ name: s.name, title: s.title, summary: s.summary, steps: s.steps.length })))}\n`,
    );
    return 0;
  }
  const width = Math.max(...scenarios.map((s) => s.name.length));
  for (const s of scenarios) term.stdout.write(`${s.name.padEnd(width)}  ${s.title} (${s.steps.length} steps)\n`);
  return 0;
}
