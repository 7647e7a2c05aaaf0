import { Command, CommanderError } from 'commander';
import { registerAudit } from './commands/audit.js';
import { registerDemo } from './commands/demo.js';
import { registerDoctor } from './commands/doctor.js';
import { registerEmulator } from './commands/emulator.js';
import { registerScenario } from './commands/scenario.js';
import { registerServe } from './commands/serve.js';
import { CONFIG_VARIABLES } from './config.js';
import { UserError, errorMessage } from './errors.js';
import { processTerminal, type Terminal } from './ui/terminal.js';
import { VERSION } from './version.js';

/**
 * Runs the CLI and returns the exit code (0 ok, 1 failure, 2 usage). Nothing below calls process.exit,
 * so tests run commands in-process with a captured terminal.
 */
const NETWORK_CODES =
  /\b(ENETUNREACH|EHOSTUNREACH|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EADDRNOTAVAIL|EADDRINUSE|EACCES|ENOTFOUND|EAI_AGAIN)\b/;

export async function main(argv: string[], term: Terminal = processTerminal()): Promise<number> {
  let exitCode = 0;
  const setExit = (code: number) => {
    exitCode = code;
  };
  const program = new Command('duo-arcade')
    .description('Identity-governed AI agents: Cisco Duo decides what an agent may do, Arcade enforces it on every tool call.')
    .version(VERSION, '-v, --version')
    .showHelpAfterError('(run `duo-arcade --help` for usage)')
    .configureOutput({
      writeOut: (text) => term.stdout.write(text),
      writeErr: (text) => term.stderr.write(text),
      outputError: (text, write) => write(term.colour.red(text)),
    })
    .exitOverride()
    .addHelpText(
      'after',
      `\nQuick start:\n  npx duo-arcade demo          play the whole demo offline\n\nEnvironment (also read from ./.env):\n${CONFIG_VARIABLES.map((v) => `  ${v.name.padEnd(22)} ${v.default}`).join('\n')}\n`,
    );

  registerServe(program, term, setExit);
  registerDemo(program, term, setExit);
  registerScenario(program, term, setExit);
  registerDoctor(program, term, setExit);
  registerEmulator(program, term, setExit);
  registerAudit(program, term, setExit);

  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    return reportError(error, term);
  }
}

export function reportError(error: unknown, term: Terminal): number {
  const c = term.colour;
  if (error instanceof CommanderError) {
    // Help and version are successful exits; everything else commander rejects is a usage error.
    // `--help` and `--version` succeed; help shown because no command was given is a usage error.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
    if (error.code === 'commander.help') return error.exitCode === 0 ? 0 : 2;
    return 2;
  }
  if (error instanceof UserError) {
    term.stderr.write(`${c.red('✗')} ${error.message}\n`);
    if (error.hint) term.stderr.write(`  ${c.dim('→')} ${error.hint}\n`);
    return error.exitCode;
  }
  const message = errorMessage(error);
  const network = NETWORK_CODES.exec(`${message} ${(error as { code?: unknown } | undefined)?.code ?? ''}`);
  if (network) {
    // The machine's network, not our code: say what to check instead of calling it a bug.
    term.stderr.write(`${c.red('✗')} ${message}\n`);
    term.stderr.write(
      `  ${c.dim('→')} A network problem on this machine (${network[1]}), not a bug: check that loopback (127.0.0.1) is up and the port is free, then run it again.\n`,
    );
    return 1;
  }
  term.stderr.write(`${c.red('✗')} Unexpected error: ${message}\n`);
  if (term.env.DEBUG && error instanceof Error && error.stack) term.stderr.write(`${c.dim(error.stack)}\n`);
  else term.stderr.write(`  ${c.dim('→')} This is a bug in duo-arcade. Run again with DEBUG=1 for details.\n`);
  return 1;
}
