import { input, select } from '@inquirer/prompts';
import { Agent } from '../agent.js';
import type { Config } from '../config.js';
import { loginWithPkce } from '../duo/oidc-client.js';
import { UserError } from '../errors.js';
import { startStack, type Stack } from '../stack.js';
import { NgrokFailure, WITHOUT_NGROK } from '../tunnel/ngrok-errors.js';
import { openTunnel, type Tunnel, type TunnelPlan } from '../tunnel/tunnel.js';
import { ALL_SCOPES } from '../tools.js';
import { formatMs, Narrator } from '../ui/narrator.js';
import type { Terminal } from '../ui/terminal.js';
import { runScenario, type PhoneDriver, type ScenarioResult } from './runner.js';
import type { PhoneAnswer, Scenario } from './schema.js';

export interface PlayOptions {
  term: Terminal;
  config: Config;
  /** --approve / --deny: answer every push this way instead of as scripted. */
  answer?: Extract<PhoneAnswer, 'approve' | 'deny'>;
  /** --json: print the results as one JSON document on stdout. */
  json?: boolean;
  title: string;
  auditLog?: string;
  /** Aborted on SIGINT (or Ctrl+C at a prompt): the stack closes and the run reports "interrupted". */
  interrupt: AbortController;
  /** demo --tunnel / --ngrok-url / --public-url: also expose the local stack while the scenarios play (they still run locally). */
  tunnel?: Exclude<TunnelPlan, { kind: 'none' }>;
}

const SIGN_IN_SCOPES = ['openid', 'profile', 'email', ...ALL_SCOPES];
/** The pushes the presenter has not answered after this long time out, like a real push (~60 s). */
const DEMO_PUSH_LIFETIME_MS = 60_000;

/** Starts the stack, signs the demo user in, plays the scenarios in order, and reports. Returns the exit code. */
export async function playScenarios(scenarios: Scenario[], options: PlayOptions): Promise<number> {
  const { term, config } = options;
  const narrator = new Narrator(term);
  const started = performance.now();
  const stack = await startStack(config, { emulator: { pushLifetimeMs: DEMO_PUSH_LIFETIME_MS }, auditLog: options.auditLog });
  const agent = new Agent(stack.mcpUrl);
  const logListener = (event: { level: string; message: string }) => {
    if (event.level !== 'info') narrator.line(term.colour.dim(`   [${event.level}] ${event.message}`));
  };
  stack.events.on('log', logListener);
  let tunnel: Tunnel | undefined;
  try {
    if (options.tunnel) {
      tunnel = await exposeStack(options.tunnel, stack, config, options, narrator);
      if (!tunnel) return 130;
    }
    narrator.banner(bannerLines(stack, config, options, tunnel));
    const signIn = async (): Promise<string[]> => {
      const client = stack.oidcClient;
      if (!client) throw new UserError('No OIDC client is configured for signing in.');
      const login = await loginWithPkce({
        issuer: client.issuer,
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        username: config.duo.stepupUsername,
        scopes: SIGN_IN_SCOPES,
        redirectUri: `${stack.url}/callback`,
      });
      agent.setToken(login.accessToken);
      const scopes = login.scope.split(' ').filter(Boolean);
      narrator.signedIn(
        config.duo.stepupUsername,
        scopes.filter((s) => s.startsWith('crm.')),
      );
      return scopes;
    };
    await signIn();
    narrator.line();

    const results: ScenarioResult[] = [];
    for (const [index, scenario] of scenarios.entries()) {
      if (options.interrupt.signal.aborted) break;
      if (index > 0) await pause(term, options.interrupt);
      narrator.scenarioStart(scenario, index, scenarios.length);
      results.push(
        await runScenario(scenario, {
          stack,
          agent,
          narrator,
          phone: phoneDriver(term, options.interrupt, options.answer),
          signIn,
          pause: () => pause(term, options.interrupt),
          signal: options.interrupt.signal,
        }),
      );
    }

    const elapsed = performance.now() - started;
    const stepCount = results.reduce((n, r) => n + r.steps.length, 0);
    const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
    const failed = results.filter((r) => !r.passed);
    const interrupted = options.interrupt.signal.aborted;
    if (failed.length === 0 && !interrupted) {
      narrator.line(
        term.colour.green.bold(
          `✓ ${plural(results.length, 'scenario')}, ${plural(stepCount, 'step')}, all as expected in ${formatMs(elapsed)}.`,
        ),
      );
    } else if (interrupted) {
      narrator.line(term.colour.yellow('Interrupted.'));
    } else {
      for (const result of failed) {
        for (const step of result.steps.filter((s) => !s.passed)) {
          narrator.line(term.colour.red(`✗ ${result.name} › ${step.title}: ${step.failures.join('; ')}`));
        }
      }
      narrator.line(term.colour.red.bold(`${failed.length} of ${plural(results.length, 'scenario')} did not go as expected.`));
    }
    if (options.json) {
      term.stdout.write(
        `${JSON.stringify({ ok: failed.length === 0 && !interrupted, mode: stack.mode, durationMs: Math.round(elapsed), scenarios: results })}\n`,
      );
    }
    if (interrupted) return 130;
    return failed.length === 0 ? 0 : 1;
  } finally {
    stack.events.off('log', logListener);
    await agent.close();
    // The stack first: its hook answers pending calls with CHECK_FAILED while the tunnel can still carry them.
    try {
      await stack.close();
    } finally {
      await tunnel?.close();
    }
  }
}

/** Opens an ngrok tunnel to the demo's stack; undefined when Ctrl+C came first. Its losses are narrated at once. */
async function exposeStack(
  plan: Exclude<TunnelPlan, { kind: 'none' }>,
  stack: Stack,
  config: Config,
  options: PlayOptions,
  narrator: Narrator,
): Promise<Tunnel | undefined> {
  const c = options.term.colour;
  if (plan.kind === 'ngrok') narrator.startWaiting(`Starting ngrok for ${stack.url}…`);
  let tunnel: Tunnel;
  try {
    tunnel = await openTunnel(plan, {
      port: stack.port,
      env: options.term.env,
      authtoken: config.tunnel.ngrokAuthtoken,
      signal: options.interrupt.signal,
    });
  } catch (error) {
    if (options.interrupt.signal.aborted) return undefined;
    if (error instanceof NgrokFailure) {
      throw new NgrokFailure(
        error.kind,
        error.message,
        (error.hint ?? '').replace(WITHOUT_NGROK, 'Or play the demo without --tunnel.'),
        error.code,
      );
    }
    throw error;
  } finally {
    narrator.stopWaiting();
  }
  tunnel.on('lost', (exit) =>
    narrator.line(c.red(`   [tunnel] ngrok stopped (${exit.how}): the hook is unreachable from Arcade until it is back. Restarting…`)),
  );
  tunnel.on('restored', ({ publicUrl, changed }) =>
    narrator.line(c.yellow(`   [tunnel] ngrok is back at ${publicUrl}${changed ? ' (a new URL: update Arcade)' : ''}`)),
  );
  tunnel.on('failed', (failure) => narrator.line(c.red(`   [tunnel] ${failure.message} The scenarios go on locally.`)));
  return tunnel;
}

function bannerLines(stack: Stack, config: Config, options: PlayOptions, tunnel?: Tunnel) {
  const facts: Array<[string, string]> = [
    ['mode', `${stack.mode} — ${config.modeReason}`],
    ['duo', stack.emulator ? `embedded emulator at ${stack.emulator.authApiUrl} (Auth API + OIDC, signatures verified)` : 'real Duo'],
    ['server', `${stack.url}  (CRM /api · hook /hooks/pre · MCP /mcp)`],
    ...(tunnel
      ? [
          [
            'public',
            `${tunnel.publicUrl}  (hook ${tunnel.publicUrl}/hooks/pre via ${tunnel.description}; the scenarios still call it locally)`,
          ] as [string, string],
        ]
      : []),
    ['tokens', stack.tokenValidation],
    ['step-up', stack.stepUp],
    [
      'phone',
      options.answer
        ? `every push is answered "${options.answer}" (--${options.answer})`
        : options.term.interactive
          ? 'you answer each push here (Ctrl+C stops the demo)'
          : 'pushes are answered as each scenario says',
    ],
  ];
  return { title: options.title, facts, warnings: stack.warnings };
}

function phoneDriver(term: Terminal, interrupt: AbortController, override?: 'approve' | 'deny'): PhoneDriver {
  return async (_push, scripted, signal) => {
    if (override) return { answer: override, by: 'flag' };
    if (!term.interactive) return { answer: scripted, by: 'script' };
    try {
      const answer = await select<PhoneAnswer>(
        {
          message: 'Answer the push on the virtual phone',
          default: scripted,
          choices: [
            { value: 'approve', name: 'Approve' },
            { value: 'deny', name: 'Deny' },
            { value: 'timeout', name: 'Ignore it (let it time out)' },
          ],
        },
        { output: term.stderr, input: term.stdin, signal, clearPromptOnDone: true },
      );
      return { answer, by: 'you' };
    } catch (error) {
      // Ctrl+C stops the demo; otherwise the push was settled elsewhere (the hook's deadline passed).
      if (isCtrlC(error)) interrupt.abort();
      return { answer: 'timeout', by: 'you' };
    }
  };
}

async function pause(term: Terminal, interrupt: AbortController): Promise<void> {
  if (!term.interactive || interrupt.signal.aborted) return;
  try {
    await input(
      { message: term.colour.dim('Press Enter to continue') },
      { output: term.stderr, input: term.stdin, signal: interrupt.signal, clearPromptOnDone: true },
    );
  } catch (error) {
    if (isCtrlC(error)) interrupt.abort();
  }
}

function isCtrlC(error: unknown): boolean {
  return error instanceof Error && error.name === 'ExitPromptError';
}
