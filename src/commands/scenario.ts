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
      .argument('[name|path]', 'a built-in scenario (list, defence, revoke) or a .yaml/.json file; "list" (or none) lists them')
      .argument('[scenario]', 'after "run": the scenario to play ("scenario run list" plays the list flow)')
      .option('-l, --list', 'list the scenarios instead of playing one')
      .description('play one scenario (`scenario defence`, `scenario run list`); `scenario list` lists them'),
  ).action(async (name: string | undefined, runName: string | undefined, options: PlayFlags & { list?: boolean }) =>
    setExit(await scenario(term, name, options, runName)),
  );
}

/**
 * `scenario list` lists, as the words say; the "list" flow, whose name it shadows, plays with `scenario run list`.
 * `scenario <name>` is short for `scenario run <name>`.
 */
export async function scenario(
  term: Terminal,
  name: string | undefined,
  options: PlayFlags & { list?: boolean },
  runName?: string,
): Promise<number> {
  if (name === 'run') {
    if (runName === undefined)
      throw new UsageError('`scenario run` needs the scenario to play.', 'Run `duo-arcade scenario list` to see them.');
    name = runName;
  } else if (runName !== undefined) {
    throw new UsageError(`Unexpected argument "${runName}".`, 'Play one scenario at a time: `duo-arcade scenario <name|path>`.');
  } else if (name === 'list' || name === 'ls') {
    name = undefined;
    options = { ...options, list: true };
  }
  if (options.list && name !== undefined)
    throw new UsageError(
      `--list lists the scenarios; it does not take a name ("${name}").`,
      `Run \`duo-arcade scenario ${name}\` to play it.`,
    );
  if (options.list || name === undefined) return listScenarios(term, options.json ?? false);
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
  term.stderr.write(term.colour.dim('Play one with `duo-arcade scenario run <name>` (or `duo-arcade scenario <name>`, except list).\n'));
  return 0;
}
