import { resolve } from 'node:path';
import { select } from '@inquirer/prompts';
import { Option, type Command } from 'commander';
import type { PushAnswer, PushRequest } from '../emulator/index.js';
import { UsageError } from '../errors.js';
import type { Config } from '../config.js';
import type { HttpRequestEvent, HttpResponseEvent, StackEventMap } from '../events.js';
import { startStack, type Stack } from '../stack.js';
import { NgrokFailure } from '../tunnel/ngrok-errors.js';
import { openTunnel, planTunnel, type Tunnel, type TunnelPlan } from '../tunnel/tunnel.js';
import { phoneCard } from '../ui/phone-card.js';
import { readyBlock, requestLine, responseLine, toolCallLine, toolResultLine } from '../ui/ready.js';
import { startSpinner, type Terminal } from '../ui/terminal.js';
import { DEFAULT_AUDIT_LOG } from './audit.js';
import { configFromOptions, watchSignals, type ModeOptions, type StopReason } from './shared.js';

type PhonePolicy = PushAnswer | 'ask';
const PHONE_POLICIES: readonly PhonePolicy[] = ['approve', 'deny', 'timeout', 'fraud', 'ask'];

interface ServeOptions extends ModeOptions {
  json?: boolean;
  phone?: PhonePolicy;
  /** A path, or false for --no-audit-log. */
  auditLog?: string | false;
  /** --tunnel / --no-tunnel. */
  tunnel?: boolean;
  publicUrl?: string;
  ngrokUrl?: string;
}

export function registerServe(program: Command, term: Terminal, setExit: (code: number) => void): void {
  program
    .command('serve')
    .description('run the CRM API, the pre-execution hook, the Arcade worker and the MCP server on one port')
    .option('-p, --port <port>', 'port to listen on (0 picks a free one)')
    .option('--host <host>', 'address to listen on')
    .option('--local', 'use the embedded Duo emulator (default when no Duo account is configured)')
    .option('--live', 'use the real Duo tenant configured in the environment')
    .addOption(
      new Option('--phone <answer>', 'local mode: how the virtual phone answers pushes ("ask" prompts here)').choices(PHONE_POLICIES),
    )
    .option('--tunnel', 'open an ngrok tunnel to this port, so Arcade can reach it (the default in live mode)')
    .option('--no-tunnel', 'do not open a tunnel, even in live mode')
    .option('--public-url <url>', 'use a tunnel or host you run yourself (https URL of this port); no ngrok is started')
    .option('--ngrok-url <domain>', 'your reserved ngrok domain for the tunnel (passed to ngrok as --url)')
    .option('--audit-log <path>', `append one JSON line per hook decision here (default: ${DEFAULT_AUDIT_LOG})`)
    .option('--no-audit-log', 'do not record decisions')
    .option('--json', 'print one JSON line with the URLs on stdout once ready (with publicUrl once the tunnel is up)')
    .action(async (options: ServeOptions) => setExit(await serve(term, options)));
}

export async function serve(term: Terminal, options: ServeOptions, signal?: AbortSignal): Promise<number> {
  const config = configFromOptions(term, options);
  if (options.phone && config.mode === 'live')
    throw new UsageError('--phone answers the embedded emulator’s pushes; in live mode the real phone does.');
  if (options.phone === 'ask' && !term.interactive)
    throw new UsageError('--phone ask needs a terminal to ask in.', 'Use --phone approve, deny, timeout or fraud.');
  const plan = planTunnel({ tunnel: options.tunnel, publicUrl: options.publicUrl, ngrokUrl: options.ngrokUrl }, config);
  const signals = watchSignals(signal);
  let stack: Stack | undefined;
  let tunnel: Tunnel | undefined;
  try {
    const auditLog = options.auditLog === false ? undefined : resolve(term.cwd, options.auditLog ?? DEFAULT_AUDIT_LOG);
    stack = await startStack(config, { auditLog });
    const c = term.colour;
    // While a push prompt is on screen, log lines wait: written under a prompt, they garble it.
    const held: string[] = [];
    let holding = false;
    const err = (text = '') => (holding ? held.push(text) : term.stderr.write(`${text}\n`));
    const logGate = {
      hold: () => (holding = true),
      release: () => {
        holding = false;
        for (const line of held.splice(0)) term.stderr.write(`${line}\n`);
      },
    };
    const phone = options.phone ?? 'approve';
    const emulator = stack.emulator;
    if (emulator) {
      const deviceName = (push: PushRequest) =>
        emulator.directory.getUser(push.username)?.devices.find((d) => d.device === push.device)?.name ?? 'phone';
      emulator.phone.setPolicy(phone === 'ask' ? askOnTerminal(term, logGate, deviceName) : phone);
    }

    const fact = (label: string, value: string) => err(`  ${c.dim(label.padEnd(7))} ${value}`);
    err(`${c.bold('duo-arcade')} is serving in ${c.bold(stack.mode)} mode ${c.dim(`(${config.modeReason})`)}`);
    for (const warning of stack.warnings) err(`${c.bgRed.white.bold(' WARNING ')} ${c.red(warning)}`);
    fact('hook', stack.hookUrl);
    fact('health', stack.healthUrl);
    fact('mcp', stack.mcpUrl);
    fact(
      'worker',
      stack.workerEnabled
        ? `${stack.workerUrl} (Arcade worker, JWT signed with ARCADE_WORKER_SECRET)`
        : `${stack.workerUrl} is off: set ARCADE_WORKER_SECRET to let Arcade call the tools`,
    );
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
    const rules = [
      `terms ${config.sensitiveTerms.join(', ')}`,
      'restricted records',
      ...(config.stepUpWrites ? ['writes'] : []),
      ...config.stepUpTools,
    ];
    fact('policy', `step-up for ${rules.join('; ')}`);
    fact('audit', stack.auditLog ? `${stack.auditLog} (duo-arcade audit shows it)` : 'off');
    fact('bearer', config.hookBearerGenerated ? 'generated for this run (set HOOK_BEARER_TOKEN to choose one)' : 'HOOK_BEARER_TOKEN');
    fact(
      'tunnel',
      plan.kind === 'none'
        ? `none: ${plan.reason}`
        : plan.kind === 'public-url'
          ? `${plan.url} (${plan.reason})`
          : `ngrok (${plan.reason})`,
    );
    if (plan.kind === 'none' && config.mode === 'live') {
      err(
        c.yellow(
          '  Arcade’s cloud cannot reach 127.0.0.1: without a tunnel only local clients can use this stack (drop --no-tunnel, or pass --public-url).',
        ),
      );
    }

    const onRequest = (event: HttpRequestEvent) => err(requestLine(c, event));
    const onResponse = (event: HttpResponseEvent) => err(responseLine(c, event));
    const onToolCall = (event: StackEventMap['tool.call'][0]) => err(toolCallLine(c, event));
    const onToolResult = (event: StackEventMap['tool.result'][0]) => err(toolResultLine(c, event));
    const onPush = (event: StackEventMap['stepup.push'][0]) => {
      err(
        `${c.dim(new Date().toISOString().slice(11, 19))}  ${c.yellow('push')}  → ${event.username}  ${event.pushinfo.tool ?? ''}  ${c.dim(`txid ${event.txid ?? '?'}`)}`,
      );
    };
    const onLog = (event: { level: string; message: string }) => {
      err(
        `${c.dim(new Date().toISOString().slice(11, 19))}  ${event.level === 'error' ? c.red(event.level) : c.yellow(event.level)}  ${event.message}`,
      );
    };
    stack.events.on('http.request', onRequest);
    stack.events.on('http.response', onResponse);
    stack.events.on('tool.call', onToolCall);
    stack.events.on('tool.result', onToolResult);
    stack.events.on('stepup.push', onPush);
    stack.events.on('log', onLog);

    let tunnelFailed = new Promise<NgrokFailure>(() => {});
    if (plan.kind !== 'none') {
      tunnel = await startTunnel(term, plan, stack, config, signals.stopped);
      if (!tunnel) return 0; // stopped while the tunnel was starting
      tunnelFailed = watchTunnel(term, tunnel);
      err(
        readyBlock(c, {
          publicUrl: tunnel.publicUrl,
          via: tunnel.description,
          hookTimeoutMs: config.hookTimeoutMs,
          bearer: { configured: !config.hookBearerGenerated, length: config.hookBearerToken.length },
          worker: {
            enabled: stack.workerEnabled,
            secretLength: config.arcade.workerSecret?.length ?? 0,
            providerId: config.arcade.providerId,
          },
        }),
      );
    } else {
      err(c.dim('Press Ctrl+C to stop.'));
    }

    if (options.json) term.stdout.write(`${JSON.stringify(readyLine(stack, tunnel))}\n`);

    const why = await Promise.race([signals.stopped, tunnelFailed]);
    if (why instanceof NgrokFailure) {
      err(`${c.red('✗')} ${why.message}`);
      if (why.hint) err(`  ${c.dim('→')} ${why.hint}`);
      err(c.red('The tunnel is gone and could not be brought back, so duo-arcade stops: Arcade cannot reach the hook.'));
      return 1;
    }
    err(c.dim(`${why === 'abort' ? 'Stopping' : `Received ${why}, stopping`}…`));
    return 0;
  } finally {
    signals.dispose();
    // The stack first: its hook answers pending calls with CHECK_FAILED while the tunnel can still carry them.
    try {
      await stack?.close();
    } finally {
      await tunnel?.close();
    }
  }
}

/** Opens the planned tunnel with a spinner when interactive; undefined when a signal stopped us meanwhile. */
async function startTunnel(
  term: Terminal,
  plan: Exclude<TunnelPlan, { kind: 'none' }>,
  stack: Stack,
  config: Config,
  stopped: Promise<StopReason>,
): Promise<Tunnel | undefined> {
  const starting = new AbortController();
  void stopped.then(() => starting.abort(new Error('stopped')));
  const what = plan.kind === 'ngrok' ? `Starting ngrok for ${stack.url}${plan.domain ? ` on ${plan.domain}` : ''}…` : '';
  const spinner = plan.kind === 'ngrok' && term.interactive ? startSpinner(term, what) : undefined;
  if (plan.kind === 'ngrok' && !spinner) term.stderr.write(`${term.colour.dim(what)}\n`);
  try {
    return await openTunnel(plan, {
      port: stack.port,
      host: new URL(stack.url).hostname,
      env: term.env,
      authtoken: config.tunnel.ngrokAuthtoken,
      signal: starting.signal,
    });
  } catch (error) {
    if (starting.signal.aborted) {
      term.stderr.write(`${term.colour.dim('Stopped before the tunnel was up.')}\n`);
      return undefined;
    }
    throw error;
  } finally {
    spinner?.stop();
  }
}

/** Reports a lost tunnel at once, and its return; resolves with the failure when it cannot come back. */
function watchTunnel(term: Terminal, tunnel: Tunnel): Promise<NgrokFailure> {
  const c = term.colour;
  const err = (text: string) => term.stderr.write(`${text}\n`);
  const at = () => c.dim(new Date().toISOString().slice(11, 19));
  tunnel.on('lost', (exit) => {
    err(`${at()}  ${c.bgRed.white.bold(' TUNNEL DOWN ')} ${c.red(exit.failure?.message ?? `ngrok stopped (${exit.how}).`)}`);
    err(`${at()}  ${c.red('Arcade cannot reach the hook or the worker until it is back: its calls fail closed.')} Restarting ngrok…`);
  });
  tunnel.on('restored', ({ publicUrl, changed }) => {
    err(`${at()}  ${c.green('✓ tunnel back')} at ${publicUrl}`);
    if (changed) {
      err(
        `${at()}  ${c.yellow.bold('The public URL changed:')} paste ${c.cyan(`${publicUrl}/hooks/pre`)} into the Logic Extension and ${c.cyan(publicUrl)} into the Arcade server (--ngrok-url keeps one URL).`,
      );
    }
  });
  tunnel.on('problem', (problem) => {
    err(`${at()}  ${c.yellow('ngrok')}  ${problem.advice ?? problem.text}`);
  });
  return new Promise((resolve) => tunnel.once('failed', resolve));
}

/** The ready line of `serve --json`: URLs only, never a secret. */
function readyLine(stack: Stack, tunnel?: Tunnel) {
  return {
    url: stack.url,
    hookUrl: stack.hookUrl,
    mcpUrl: stack.mcpUrl,
    healthUrl: stack.healthUrl,
    mode: stack.mode,
    ...(stack.emulator ? { duo: { authApiUrl: stack.emulator.authApiUrl, issuer: stack.emulator.issuer } } : {}),
    ...(tunnel ? { publicUrl: tunnel.publicUrl } : {}),
  };
}

/** `--phone ask`: each push becomes a phone card and a prompt, one at a time. */
function askOnTerminal(
  term: Terminal,
  logGate: { hold(): void; release(): void },
  deviceName: (push: PushRequest) => string,
): (push: PushRequest) => Promise<PushAnswer> {
  let queue: Promise<unknown> = Promise.resolve();
  return (push) => {
    const answer = queue.then(async () => {
      logGate.hold();
      term.stderr.write(
        `${phoneCard(term.colour, { title: push.type, username: push.username, device: deviceName(push), pushinfo: push.pushinfo })}\n`,
      );
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
      } finally {
        logGate.release();
      }
    });
    queue = answer;
    return answer;
  };
}
