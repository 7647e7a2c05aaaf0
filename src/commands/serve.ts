import type { Command } from 'commander';
import { startStack } from '../stack.js';
import type { HookDecisionEvent } from '../events.js';
import type { Terminal } from '../ui/terminal.js';
import { formatMs } from '../ui/narrator.js';
import { configFromOptions, untilSignal, type ModeOptions } from './shared.js';

interface ServeOptions extends ModeOptions {
  json?: boolean;
}

export function registerServe(program: Command, term: Terminal, setExit: (code: number) => void): void {
  program
    .command('serve')
    .description('run the CRM API, the pre-execution hook and the MCP server on one port')
    .option('-p, --port <port>', 'port to listen on (0 picks a free one)', undefined)
    .option('--host <host>', 'address to listen on', undefined)
    .option('--local', 'use the embedded Duo emulator (default when no Duo account is configured)')
    .option('--live', 'use the real Duo tenant configured in the environment')
    .option('--json', 'print one JSON line with the URLs on stdout once ready')
    .action(async (options: ServeOptions) => setExit(await serve(term, options)));
}

export async function serve(term: Terminal, options: ServeOptions, signal?: AbortSignal): Promise<number> {
  const config = configFromOptions(term, options);
  const stack = await startStack(config);
  const c = term.colour;
  const err = (text = '') => term.stderr.write(`${text}\n`);

  err(`${c.bold('duo-arcade')} is serving in ${c.bold(stack.mode)} mode ${c.dim(`(${config.modeReason})`)}`);
  for (const warning of stack.warnings) err(`${c.bgRed.white.bold(' WARNING ')} ${c.red(warning)}`);
  err(`  ${c.dim('hook  ')} ${stack.hookUrl}`);
  err(`  ${c.dim('health')} ${stack.healthUrl}`);
  err(`  ${c.dim('mcp   ')} ${stack.mcpUrl}`);
  err(`  ${c.dim('crm   ')} ${stack.url}/api/contacts · /api/deals`);
  err(`  ${c.dim('tokens')} ${stack.tokenValidation}`);
  err(`  ${c.dim('stepup')} ${stack.stepUp}`);
  if (stack.emulator) {
    err(`  ${c.dim('duo   ')} embedded emulator: Auth API ${stack.emulator.authApiUrl}, issuer ${stack.emulator.issuer}`);
  }
  err(`  ${c.dim('bearer')} ${config.hookBearerGenerated ? 'generated for this run (set HOOK_BEARER_TOKEN to choose one)' : 'HOOK_BEARER_TOKEN'}`);
  err(c.dim('Press Ctrl+C to stop.'));

  if (options.json) {
    const ready = {
      url: stack.url,
      hookUrl: stack.hookUrl,
      mcpUrl: stack.mcpUrl,
      healthUrl: stack.healthUrl,
      mode: stack.mode,
      ...(stack.emulator ? { duo: { authApiUrl: stack.emulator.authApiUrl, issuer: stack.emulator.issuer } } : {}),
    };
    term.stdout.write(`${JSON.stringify(ready)}\n`);
  }

  const onDecision = (event: HookDecisionEvent) => {
    const time = new Date().toISOString().slice(11, 19);
    const code = event.code === 'OK' ? c.green('OK') : c.red('CHECK_FAILED');
    err(`${c.dim(time)}  ${c.yellow('hook')}  ${code}  ${event.tool}  ${event.reason}${event.ref ? ` [ref ${event.ref}]` : ''}  ${c.dim(formatMs(event.latencyMs))}`);
  };
  const onLog = (event: { level: string; message: string }) => {
    const time = new Date().toISOString().slice(11, 19);
    err(`${c.dim(time)}  ${event.level === 'error' ? c.red(event.level) : c.yellow(event.level)}  ${event.message}`);
  };
  stack.events.on('hook.decision', onDecision);
  stack.events.on('log', onLog);

  const why = await untilSignal(signal);
  err(c.dim(`${why === 'abort' ? 'Stopping' : `Received ${why}, stopping`}…`));
  await stack.close();
  return 0;
}
