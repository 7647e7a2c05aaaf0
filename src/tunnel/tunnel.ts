import { EventEmitter } from 'node:events';
import { parsePublicUrl, type Config } from '../config.js';
import { UsageError, errorMessage } from '../errors.js';
import { NgrokFailure, isFatalCode } from './ngrok-errors.js';
import { startNgrok, type AgentExit, type AgentProblem, type NgrokAgent } from './ngrok.js';

/**
 * How Arcade's cloud reaches this process: no tunnel (local only), a public URL the user runs themselves, or an
 * ngrok agent we start and look after (restarting it when it dies, within limits).
 */

export interface TunnelFlags {
  /** --tunnel (true) / --no-tunnel (false) / neither (undefined). */
  tunnel?: boolean;
  publicUrl?: string;
  ngrokUrl?: string;
}

export type TunnelPlan =
  | { kind: 'none'; reason: string }
  | { kind: 'public-url'; url: string; reason: string }
  | { kind: 'ngrok'; domain?: string; reason: string };

export function planTunnel(flags: TunnelFlags, config: Pick<Config, 'mode' | 'tunnel'>): TunnelPlan {
  if (flags.publicUrl !== undefined && flags.ngrokUrl !== undefined) {
    throw new UsageError(
      '--public-url and --ngrok-url cannot be used together.',
      '--public-url is a tunnel you run yourself; --ngrok-url is a domain for the ngrok agent we start.',
    );
  }
  if (flags.tunnel === false && (flags.publicUrl !== undefined || flags.ngrokUrl !== undefined)) {
    throw new UsageError(`--no-tunnel cannot be used with ${flags.publicUrl !== undefined ? '--public-url' : '--ngrok-url'}.`);
  }
  if (flags.tunnel === true && flags.publicUrl !== undefined) {
    throw new UsageError('--tunnel starts ngrok, --public-url uses a tunnel you run yourself: pick one.');
  }
  if (flags.tunnel === false) return { kind: 'none', reason: '--no-tunnel was given' };
  if (flags.publicUrl !== undefined) {
    try {
      return { kind: 'public-url', url: parsePublicUrl(flags.publicUrl), reason: '--public-url' };
    } catch (error) {
      throw new UsageError(`--public-url ${errorMessage(error)}`);
    }
  }
  if (flags.ngrokUrl !== undefined) return { kind: 'ngrok', domain: ngrokDomain(flags.ngrokUrl), reason: '--ngrok-url was given' };
  if (flags.tunnel === true) return { kind: 'ngrok', reason: '--tunnel was given' };
  if (config.tunnel.publicUrl) return { kind: 'public-url', url: config.tunnel.publicUrl, reason: 'PUBLIC_URL' };
  if (config.mode === 'live') return { kind: 'ngrok', reason: 'live mode: Arcade’s cloud must reach this process' };
  return { kind: 'none', reason: 'local mode (pass --tunnel to let Arcade reach it)' };
}

/** `my-app.ngrok.app`, also accepted as `https://my-app.ngrok.app/`. */
export function ngrokDomain(value: string): string {
  const domain = value
    .trim()
    .replace(/^https?:\/\//i, '')
    .replace(/\/+$/, '');
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/.test(domain)) {
    throw new UsageError(
      `--ngrok-url "${value}" is not a domain name.`,
      'Pass the reserved domain from https://dashboard.ngrok.com/domains, e.g. --ngrok-url my-app.ngrok.app.',
    );
  }
  return domain.toLowerCase();
}

type TunnelEvents = {
  /** The agent died: Arcade cannot reach the hook until it is back. */
  lost: [AgentExit];
  /** A new agent is up; `changed` when its URL differs (Arcade must be told the new one). */
  restored: [{ publicUrl: string; changed: boolean; attempt: number }];
  /** No agent could be brought back: the tunnel is gone for good. */
  failed: [NgrokFailure];
  /** The agent logged an error while up (e.g. ERR_NGROK_8012). */
  problem: [AgentProblem];
};

export interface Tunnel extends EventEmitter<TunnelEvents> {
  readonly kind: 'ngrok' | 'public-url';
  readonly publicUrl: string;
  /** One line for the banner: what serves the URL. */
  readonly description: string;
  close(): Promise<void>;
}

export interface OpenTunnelOptions {
  port: number;
  /** The local address ngrok forwards to (default 127.0.0.1). */
  host?: string;
  env: Record<string, string | undefined>;
  authtoken?: string;
  signal?: AbortSignal;
  readyTimeoutMs?: number;
  /** Waits before each restart attempt (1st, 2nd, 3rd); a test makes them short. */
  restartDelaysMs?: readonly number[];
}

export async function openTunnel(plan: Exclude<TunnelPlan, { kind: 'none' }>, options: OpenTunnelOptions): Promise<Tunnel> {
  if (plan.kind === 'public-url') return new PublicUrlTunnel(plan.url, plan.reason);
  const tunnel = new NgrokTunnel(plan.domain, options);
  await tunnel.start();
  return tunnel;
}

class PublicUrlTunnel extends EventEmitter<TunnelEvents> implements Tunnel {
  readonly kind = 'public-url';
  readonly description: string;
  constructor(
    readonly publicUrl: string,
    reason: string,
  ) {
    super();
    this.description = `your own tunnel or host (${reason}); duo-arcade does not start ngrok`;
  }
  async close(): Promise<void> {}
}

const DEFAULT_RESTART_DELAYS_MS = [500, 2_000, 5_000];
/** An agent that stayed up this long earns a fresh set of restart attempts. */
const STABLE_AFTER_MS = 60_000;

class NgrokTunnel extends EventEmitter<TunnelEvents> implements Tunnel {
  readonly kind = 'ngrok';
  publicUrl = '';
  private agent?: NgrokAgent;
  private closed = false;
  private attempts = 0;
  private startedAt = 0;
  /** Stops a restart that is still waiting for its agent when we close. */
  private readonly closing = new AbortController();
  private restart?: Promise<void>;

  constructor(
    private readonly domain: string | undefined,
    private readonly options: OpenTunnelOptions,
  ) {
    super();
  }

  get description(): string {
    return `ngrok agent ${this.agent?.binaryPath ?? ''}${this.options.authtoken ? ' (authtoken from NGROK_AUTHTOKEN)' : ' (authtoken from ngrok’s own config)'}`;
  }

  async start(signal = this.options.signal): Promise<void> {
    const agent = await startNgrok({
      port: this.options.port,
      host: this.options.host,
      domain: this.domain,
      authtoken: this.options.authtoken,
      env: this.options.env,
      readyTimeoutMs: this.options.readyTimeoutMs,
      signal,
    });
    if (this.closed) {
      await agent.stop();
      return;
    }
    this.agent = agent;
    this.publicUrl = agent.publicUrl;
    this.startedAt = Date.now();
    agent.on('problem', (problem) => this.emit('problem', problem));
    void agent.exited.then((exit) => {
      if (!exit.expected && !this.closed) void this.recover(exit);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.closing.abort(new Error('closed'));
    await this.restart?.catch(() => undefined);
    await this.agent?.stop();
  }

  /** Reports the loss at once, then brings a new agent up, unless the failure is one only the user can fix. */
  private async recover(exit: AgentExit): Promise<void> {
    this.emit('lost', exit);
    if (Date.now() - this.startedAt > STABLE_AFTER_MS) this.attempts = 0;
    const delays = this.options.restartDelaysMs ?? DEFAULT_RESTART_DELAYS_MS;
    // A fatal ngrok error (another agent took over the session, the token was revoked) will not go away by retrying.
    const code = exit.failure?.code;
    let failure: NgrokFailure | undefined = code && isFatalCode(code) ? exit.failure : undefined;
    while (!failure && this.attempts < delays.length && !this.closed) {
      await new Promise((resolve) => setTimeout(resolve, delays[this.attempts]));
      this.attempts += 1;
      if (this.closed) return;
      const before = this.publicUrl;
      try {
        this.restart = this.start(this.closing.signal);
        await this.restart;
        if (this.closed) return;
        this.emit('restored', { publicUrl: this.publicUrl, changed: this.publicUrl !== before, attempt: this.attempts });
        return;
      } catch (error) {
        if (
          error instanceof NgrokFailure &&
          (error.kind === 'error-code' || error.kind === 'not-installed' || error.kind === 'config-version')
        )
          failure = error;
        else if (this.attempts >= delays.length) failure = error instanceof NgrokFailure ? error : undefined;
      }
    }
    if (this.closed) return;
    this.emit(
      'failed',
      failure ??
        exit.failure ??
        new NgrokFailure(
          'exited',
          `ngrok stopped (${exit.how}) and could not be restarted.`,
          'Restart `duo-arcade serve`, or run a tunnel yourself and pass --public-url.',
        ),
    );
  }
}
