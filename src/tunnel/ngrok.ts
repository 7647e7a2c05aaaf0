import { EventEmitter } from 'node:events';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import {
  NGROK_ADVICE,
  NgrokFailure,
  agentTooOld,
  configWithoutVersion,
  exitedEarly,
  failureForCode,
  isFatalCode,
  ngrokErrorCode,
  notExecutable,
  notInstalled,
  readyTimeout,
  redactNgrokText,
} from './ngrok-errors.js';

/**
 * The ngrok agent, spawned from the locally installed binary (PROTOCOLS.md §6):
 * `ngrok http 127.0.0.1:<port> --log stdout --log-format json`, the authtoken in its environment only.
 * Readiness comes from the agent's own log (`started tunnel` with an https `url`), with `GET /api/tunnels` on the
 * address it announces (`starting web service`) as the fallback.
 */

export const DEFAULT_READY_TIMEOUT_MS = 20_000;
const API_POLL_MS = 300;
/** How long the guard waits after SIGTERM before it SIGKILLs the agent. */
const GUARD_GRACE_MS = 3_000;

export interface NgrokOptions {
  /** Our local port: the one port everything is served on. */
  port: number;
  /** The address ngrok forwards to. */
  host?: string;
  /** A reserved ngrok domain (`--url`). */
  domain?: string;
  /** NGROK_AUTHTOKEN: given to the agent in its environment, never on its command line. */
  authtoken?: string;
  /** The environment the binary is looked up in (PATH) and the agent runs with. */
  env: Record<string, string | undefined>;
  binary?: string;
  readyTimeoutMs?: number;
  /** Aborting it (Ctrl+C while we wait) stops the agent; `startNgrok` then rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface AgentExit {
  /** True when we stopped it; false when it died by itself (the tunnel is gone). */
  expected: boolean;
  /** "exit code 1", "killed by SIGKILL". */
  how: string;
  /** What the agent said last, redacted, with advice when the error is known. */
  failure?: NgrokFailure;
}

export interface AgentProblem {
  code?: string;
  /** The agent's own words, redacted. */
  text: string;
  advice?: string;
}

type AgentEvents = { problem: [AgentProblem] };

/** Variables of ours the agent has no business seeing (it gets its own authtoken separately). */
const WITHHELD_FROM_AGENT = [
  'DUO_CLIENT_SECRET',
  'DUO_AUTH_SKEY',
  'HOOK_BEARER_TOKEN',
  'ARCADE_WORKER_SECRET',
  'ARCADE_API_KEY',
  'NGROK_AUTHTOKEN',
];

/**
 * A tiny Node process between us and the agent. When we die in any way — normal exit, a signal, an uncaught
 * error, even SIGKILL — the OS closes our end of its stdin; on that EOF (or SIGTERM/SIGINT/SIGHUP) it stops the
 * agent, waits for it (so no zombie is left) and exits the same way the agent did.
 */
const GUARD_SCRIPT = `
const { spawn } = require('node:child_process');
const [bin, ...args] = process.argv.slice(1);
const agent = spawn(bin, args, { stdio: ['ignore', 'inherit', 'inherit'] });
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  agent.kill('SIGTERM');
  setTimeout(() => agent.kill('SIGKILL'), ${GUARD_GRACE_MS}).unref();
};
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, stop);
agent.on('error', (error) => {
  process.stderr.write('duo-arcade guard: cannot start ' + bin + ': ' + (error.code || error.message) + '\\n');
  process.exit(127);
});
agent.on('exit', (code, signal) => {
  process.exitCode = code === null ? 128 + (require('node:os').constants.signals[signal] || 0) : code;
  // Die of the same signal, so the parent can say so; only these three: Node gives others a meaning (SIGUSR1 opens
  // the inspector) or ignores them (SIGPIPE).
  if (signal === 'SIGTERM' || signal === 'SIGINT' || signal === 'SIGHUP') {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }
  setTimeout(() => process.exit(), 50);
});
`;

function spawnGuarded(binaryPath: string, args: string[], env: Record<string, string>) {
  return execa(process.execPath, ['-e', GUARD_SCRIPT, '--', binaryPath, ...args], {
    env,
    extendEnv: false,
    // Its own process group: a Ctrl+C in the terminal reaches us, and we decide when the agent stops.
    detached: true,
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    reject: false,
    cleanup: false,
    forceKillAfterDelay: GUARD_GRACE_MS + 2_000,
  });
}
type GuardedAgent = ReturnType<typeof spawnGuarded>;

/** Starts the agent and resolves once its public https URL is known; rejects with plain advice otherwise. */
export async function startNgrok(options: NgrokOptions): Promise<NgrokAgent> {
  const binary = options.binary ?? 'ngrok';
  const found = findExecutable(binary, options.env);
  if (!found) throw notInstalled(binary);
  if ('unusable' in found) throw notExecutable(found.unusable);

  const host = options.host ?? '127.0.0.1';
  const args = [
    'http',
    `${host}:${options.port}`,
    '--log',
    'stdout',
    '--log-format',
    'json',
    ...(options.domain ? ['--url', options.domain] : []),
  ];
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.env)) {
    if (value !== undefined && !WITHHELD_FROM_AGENT.includes(name)) env[name] = value;
  }
  if (options.authtoken) env.NGROK_AUTHTOKEN = options.authtoken;

  const subprocess = spawnGuarded(found.path, args, env);
  const agent = new NgrokAgent(subprocess, found.path, options);
  try {
    await agent.ready(options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS, options.signal);
    return agent;
  } catch (error) {
    await agent.stop();
    throw error;
  }
}

export class NgrokAgent extends EventEmitter<AgentEvents> {
  publicUrl = '';
  /** The agent's local API, e.g. http://127.0.0.1:4041 (4040 is not guaranteed). */
  apiUrl?: string;
  readonly pid?: number;

  private readonly redact: (text: string) => string;
  private stopping = false;
  private exitInfo?: AgentExit;
  /** Settles once the agent has exited, whoever stopped it: a crash right after start is never missed. */
  readonly exited: Promise<AgentExit>;
  private lastError?: string;
  private stderrText = '';
  private settle?: { resolve: (url: string) => void; reject: (error: Error) => void };
  private readonly onProcessExit = () => this.subprocess.kill('SIGTERM');

  constructor(
    private readonly subprocess: GuardedAgent,
    readonly binaryPath: string,
    private readonly options: NgrokOptions,
  ) {
    super();
    this.pid = subprocess.pid;
    this.redact = (text) => redactNgrokText(text, [options.authtoken]);
    process.on('exit', this.onProcessExit);
    createInterface({ input: subprocess.stdout }).on('line', (line) => this.onStdout(line));
    createInterface({ input: subprocess.stderr }).on('line', (line) => this.onStderr(line));
    this.exited = subprocess.then((result) => {
      process.off('exit', this.onProcessExit);
      const how = result.signal ? `killed by ${result.signal}` : `exit code ${result.exitCode ?? '?'}`;
      const info: AgentExit = { expected: this.stopping, how, failure: this.stopping ? undefined : this.diagnose(how) };
      this.exitInfo = info;
      this.settle?.reject(info.failure ?? exitedEarly(how, this.options.port));
      return info;
    });
  }

  /** Stops the agent (through its guard) and waits until it is gone. */
  async stop(): Promise<void> {
    if (!this.exitInfo) {
      this.stopping = true;
      this.subprocess.kill('SIGTERM');
    }
    await this.exited;
  }

  get running(): boolean {
    return !this.exitInfo;
  }

  /** Resolves with the public URL from the log or, failing that, from the agent's API. */
  async ready(timeoutMs: number, signal?: AbortSignal): Promise<string> {
    if (this.exitInfo) throw this.exitInfo.failure ?? exitedEarly(this.exitInfo.how, this.options.port);
    const url = new Promise<string>((resolve, reject) => (this.settle = { resolve, reject }));
    const timer = setTimeout(
      () => this.settle?.reject(readyTimeout(Math.round(timeoutMs / 1000), this.options.port, this.lastError)),
      timeoutMs,
    );
    const onAbort = () => this.settle?.reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    const polling = this.pollApi(url);
    try {
      return await url;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      this.settle = undefined;
      await polling;
    }
  }

  private markReady(url: string): void {
    if (!this.settle || this.publicUrl) return;
    this.publicUrl = url;
    this.settle.resolve(url);
  }

  private onStdout(raw: string): void {
    const entry = parseLogLine(raw);
    if (!entry) return;
    const { msg, lvl } = entry;
    if (msg === 'starting web service' && entry.addr) this.apiUrl = `http://${entry.addr.replace(/^https?:\/\//, '')}`;
    if (msg === 'started tunnel' && entry.url?.startsWith('https://') && (!entry.addr || forwardsTo(entry.addr, this.options.port))) {
      this.markReady(entry.url);
    }
    const err = entry.err && entry.err !== '<nil>' ? this.redact(entry.err) : undefined;
    const isError = lvl === 'eror' || lvl === 'crit' || lvl === 'error';
    if (err && isError) this.lastError = `${msg ? `${msg}: ` : ''}${err}`;
    const code = err ? ngrokErrorCode(err) : undefined;
    if (code) this.onCode(code, err ?? '');
    else if (err && isError && this.publicUrl) this.emit('problem', { text: this.lastError ?? err });
  }

  private onStderr(raw: string): void {
    const line = this.redact(raw.replace(/^ERROR:\s?/, '').trimEnd());
    // Enough for any message ngrok prints when it fails; a chatty agent must not grow it forever.
    this.stderrText = `${this.stderrText}${line}\n`.slice(-8_000);
    if (line.trim()) this.lastError ??= line.trim();
    const code = ngrokErrorCode(line);
    if (code) this.onCode(code, this.stderrText);
  }

  private onCode(code: string, text: string): void {
    if (this.settle && !this.publicUrl && isFatalCode(code)) {
      this.settle.reject(failureForCode(code, text));
    } else if (this.publicUrl) {
      this.emit('problem', {
        code,
        text: text.trim().split('\n')[0] ?? text,
        advice: NGROK_ADVICE[code] ? `${NGROK_ADVICE[code].problem} ${NGROK_ADVICE[code].fix}` : undefined,
      });
    }
  }

  /** Why the agent stopped, from everything it said (already redacted). */
  private diagnose(how: string): NgrokFailure {
    const said = `${this.stderrText}\n${this.lastError ?? ''}`;
    const code = ngrokErrorCode(said);
    if (code) return failureForCode(code, said);
    if (/`?version`? property is required/i.test(said)) return configWithoutVersion(this.stderrText || said);
    if (/unknown (flag|shorthand flag)/i.test(said)) return agentTooOld(said.trim());
    return exitedEarly(how, this.options.port, this.lastError, Boolean(this.publicUrl));
  }

  /** The fallback: once the agent's API address is known, ask it for the tunnel that forwards to our port. */
  private async pollApi(done: Promise<string>): Promise<void> {
    let finished = false;
    void done.then(
      () => (finished = true),
      () => (finished = true),
    );
    while (!finished) {
      if (this.apiUrl) {
        const url = await tunnelFromApi(this.apiUrl, this.options.port);
        if (url) {
          this.markReady(url);
          return;
        }
      }
      await Promise.race([new Promise((resolve) => setTimeout(resolve, API_POLL_MS)), done.catch(() => undefined)]);
    }
  }
}

/** `GET <api>/api/tunnels`, and the https tunnel whose `config.addr` is our port (another agent may own 4040). */
export async function tunnelFromApi(apiUrl: string, port: number): Promise<string | undefined> {
  try {
    const response = await fetch(`${apiUrl}/api/tunnels`, { signal: AbortSignal.timeout(1_000), headers: { accept: 'application/json' } });
    if (!response.ok) return undefined;
    const body = (await response.json()) as { tunnels?: Array<{ public_url?: string; config?: { addr?: string } }> };
    const tunnel = body.tunnels?.find((t) => t.public_url?.startsWith('https://') && t.config?.addr && forwardsTo(t.config.addr, port));
    return tunnel?.public_url;
  } catch {
    return undefined;
  }
}

/** `http://127.0.0.1:8000`, `localhost:8000` or `8000` all forward to port 8000. */
export function forwardsTo(addr: string, port: number): boolean {
  const match = /(?:^|:)(\d+)\/?$/.exec(addr.trim());
  return match !== null && Number(match[1]) === port;
}

/**
 * One line of the agent's log as key/value pairs: JSON (what we ask for) or logfmt (a user's config may force it).
 * Anything else (a banner, a stray line) is skipped.
 */
export function parseLogLine(line: string): Record<string, string | undefined> | undefined {
  const text = line.trim();
  if (!text) return undefined;
  if (text.startsWith('{')) {
    try {
      const value = JSON.parse(text) as unknown;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
      const out: Record<string, string | undefined> = {};
      for (const [key, field] of Object.entries(value))
        out[key] = typeof field === 'string' ? field : field === null ? undefined : JSON.stringify(field);
      return out;
    } catch {
      return undefined;
    }
  }
  const out: Record<string, string | undefined> = {};
  for (const match of text.matchAll(/([A-Za-z_][\w.]*)=("(?:[^"\\]|\\.)*"|[^\s"]*)/g)) {
    const [, key, value] = match;
    out[key!] = value!.startsWith('"') ? unquote(value!) : value;
  }
  return out.msg !== undefined || out.lvl !== undefined ? out : undefined;
}

function unquote(value: string): string {
  try {
    return JSON.parse(value) as string;
  } catch {
    return value.slice(1, -1);
  }
}

/** The executable `name` resolves to on env.PATH, or the first match that cannot be run. */
export function findExecutable(name: string, env: Record<string, string | undefined>): { path: string } | { unusable: string } | undefined {
  const extensions = process.platform === 'win32' ? ['', ...(env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';')] : [''];
  const candidates =
    name.includes('/') || isAbsolute(name)
      ? [name]
      : (env.PATH ?? '')
          .split(delimiter)
          .filter(Boolean)
          .map((dir) => join(dir, name));
  let unusable: string | undefined;
  for (const base of candidates) {
    for (const extension of extensions) {
      const path = base + extension;
      try {
        if (!statSync(path).isFile()) continue;
      } catch {
        continue;
      }
      try {
        accessSync(path, constants.X_OK);
        return { path };
      } catch {
        unusable ??= path;
      }
    }
  }
  return unusable ? { unusable } : undefined;
}
