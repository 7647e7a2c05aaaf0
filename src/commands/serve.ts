import { resolve } from 'node:path';
import { select } from '@inquirer/prompts';
import { Option, type Command } from 'commander';
import type { PushAnswer, PushRequest } from '../emulator/index.js';
import { UsageError } from '../errors.js';
import type { HookDecisionEvent } from '../events.js';
import { startStack, type Stack } from '../stack.js';
import { formatMs } from '../ui/narrator.js';
import { phoneCard } from '../ui/phone-card.js';
import type { Terminal } from '../ui/terminal.js';
import { DEFAULT_AUDIT_LOG } from './audit.js';
import { configFromOptions, untilSignal, type ModeOptions } from './shared.js';

type PhonePolicy = PushAnswer | 'ask';
const PHONE_POLICIES: readonly PhonePolicy[] = ['approve', 'deny', 'timeout', 'fraud', 'ask'];

interface ServeOptions extends ModeOptions {
  json?: boolean;
  phone?: PhonePolicy;
  /** A path, or false for --no-audit-log. */
  auditLog?: string | false;
}

export function registerServe(program: Command, term: Terminal, setExit: (code: number) => void): void {
  program
    .command('serve')
    .description('run the CRM API, the pre-execution hook and the MCP server on one port')
    .option('-p, --port <port>', 'port to listen on (0 picks a free one)')
    .option('--host <host>', 'address to listen on')
    .option('--local', 'use the embedded Duo emulator (default when no Duo account is configured)')
    .option('--live', 'use the real Duo tenant configured in the environment')
    .addOption(
      new Option('--phone <answer>', 'local mode: how the virtual phone answers pushes ("ask" prompts here)').choices(PHONE_POLICIES),
    )
    .option('--audit-log <path>', `append one JSON line per hook decision here (default: ${DEFAULT_AUDIT_LOG})`)
    .option('--no-audit-log', 'do not record decisions')
    .option('--json', 'print one JSON line with the URLs on stdout once ready')
    .action(async (options: ServeOptions) => setExit(await serve(term, options)));
}

export async function serve(term: Terminal, options: ServeOptions, signal?: AbortSignal): Promise<number> {
  const config = configFromOptions(term, options);
  if (options.phone && config.mode === 'live')
    throw new UsageError('--phone answers the embedded emulator’s pushes; in live mode the real phone does.');
  if (options.phone === 'ask' && !term.interactive)
    throw new UsageError('--phone ask needs a terminal to ask in.', 'Use --phone approve, deny or timeout.');
  const auditLog = options.auditLog === false ? undefined : resolve(term.cwd, options.auditLog ?? DEFAULT_AUDIT_LOG);
  const stack = await startStack(config, { auditLog });
  const c = term.colour;
  const err = (text = '') => term.stderr.write(`${text}\n`);
  const phone = options.phone ?? 'approve';
  if (stack.emulator) stack.emulator.phone.setPolicy(phone === 'ask' ? askOnTerminal(term) : phone);

  const fact = (label: string, value: string) => err(`  ${c.dim(label.padEnd(7))} ${value}`);
  err(`${c.bold('duo-arcade')} is serving in ${c.bold(stack.mode)} mode ${c.dim(`(${config.modeReason})`)}`);
  for (const warning of stack.warnings) err(`${c.bgRed.white.bold(' WARNING ')} ${c.red(warning)}`);
  fact('hook', stack.hookUrl);
  fact('health', stack.healthUrl);
  fact('mcp', stack.mcpUrl);
  fact('crm', `${stack.url}/api/contacts · /api/deals`);
  fact('tokens', stack.tokenValidation);
  fact('step-up', stack.stepUp);
  if (stack.emulator) {
    fact('duo', `embedded emulator: Auth API ${stack.emulator.authApiUrl}, issuer ${stack.emulator.issuer}`);
    fact(
      'phone',
      phone === 'ask'
        ? 'you answer each push here'
        : `the virtual phone answers every push "${phone}" (--phone approve|deny|timeout|fraud|ask)`,
    );
  }
  fact(
    'policy',
    `step-up for terms ${config.sensitiveTerms.join(', ')}; restricted records${config.stepUpWrites ? '; writes' : ''}${config.stepUpTools.length ? `; tools ${config.stepUpTools.join(', ')}` : ''}`,
  );
  fact('audit', stack.auditLog ? `${stack.auditLog} (duo-arcade audit shows it)` : 'off');
  fact('bearer', config.hookBearerGenerated ? 'generated for this run (set HOOK_BEARER_TOKEN to choose one)' : 'HOOK_BEARER_TOKEN');
  err(c.dim('Press Ctrl+C to stop.'));

  if (options.json) term.stdout.write(`${JSON.stringify(readyLine(stack))}\n`);

  const stamp = () => c.dim(new Date().toISOString().slice(11, 19));
  const onDecision = (event: HookDecisionEvent) => {
    const code = event.code === 'OK' ? c.green('OK') : c.red('CHECK_FAILED');
    const who = event.duoUser && event.stepUp ? ` ${event.userId ?? '?'}→${event.duoUser}` : '';
    const rule = event.rule ? ` [${event.rule}]` : '';
    err(
      `${stamp()}  ${c.yellow('hook')}  ${code}  ${event.tool}${who}${rule}  ${event.reason}  ${c.dim(`ref ${event.ref} · ${formatMs(event.latencyMs)}`)}`,
    );
  };
  const onLog = (event: { level: string; message: string }) => {
    err(`${stamp()}  ${event.level === 'error' ? c.red(event.level) : c.yellow(event.level)}  ${event.message}`);
  };
  const onPush = (event: { username: string; txid?: string; pushinfo: Record<string, string> }) => {
    err(`${stamp()}  ${c.yellow('push')}  → ${event.username}  ${event.pushinfo.tool ?? ''}  ${c.dim(`txid ${event.txid ?? '?'}`)}`);
  };
  stack.events.on('stepup.push', onPush);
  stack.events.on('hook.decision', onDecision);
  stack.events.on('log', onLog);

  const why = await untilSignal(signal);
  err(c.dim(`${why === 'abort' ? 'Stopping' : `Received ${why}, stopping`}…`));
  await stack.close();
  return 0;
}

/** The ready line of `serve --json`: URLs only, never a secret. */
function readyLine(stack: Stack) {
  return {
    url: stack.url,
    hookUrl: stack.hookUrl,
    mcpUrl: stack.mcpUrl,
    healthUrl: stack.healthUrl,
    mode: stack.mode,
    ...(stack.emulator ? { duo: { authApiUrl: stack.emulator.authApiUrl, issuer: stack.emulator.issuer } } : {}),
  };
}

/** `--phone ask`: each push becomes a phone card and a prompt, one at a time. */
function askOnTerminal(term: Terminal): (push: PushRequest) => Promise<PushAnswer> {
  let queue: Promise<unknown> = Promise.resolve();
  return (push) => {
    const answer = queue.then(async () => {
      term.stderr.write(`${phoneCard(term.colour, { title: push.type, username: push.username, pushinfo: push.pushinfo })}\n`);
      try {
        return await select<PushAnswer>(
          {
            message: 'Answer the push on the virtual phone',
            choices: [
              { value: 'approve', name: 'Approve' },
              { value: 'deny', name: 'Deny' },
              { value: 'timeout', name: 'Ignore it (let it time out)' },
            ],
          },
          { output: term.stderr, input: term.stdin },
        );
      } catch (error) {
        // Ctrl+C inside the prompt is meant for serve: stop as on any SIGINT.
        if (error instanceof Error && error.name === 'ExitPromptError') process.kill(process.pid, 'SIGINT');
        return 'timeout' as const;
      }
    });
    queue = answer;
    return answer;
  };
}
