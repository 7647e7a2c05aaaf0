import type { ChalkInstance } from 'chalk';
import type { HttpRequestEvent, HttpResponseEvent, StackEventMap } from '../events.js';
import { formatMs } from './narrator.js';

/**
 * What `serve` prints once Arcade can reach it, à la `stripe listen`: one "Ready" block with everything to paste
 * into Arcade, then one timestamped line per inbound call (`-->` arrives, `<--` answered).
 */

export interface ReadyInfo {
  publicUrl: string;
  /** What serves the public URL (the ngrok agent, or the user's own tunnel). */
  via: string;
  hookTimeoutMs: number;
  bearer: { configured: boolean; length: number };
  worker: { enabled: boolean; secretLength: number; providerId: string };
}

export function readyBlock(c: ChalkInstance, info: ReadyInfo): string {
  const base = info.publicUrl;
  const row = (label: string, value: string) => `    ${c.dim(label.padEnd(13))} ${value}`;
  const lines = [
    '',
    `${c.green.bold('Ready!')} Arcade can reach this stack at ${c.bold(base)}`,
    `  ${c.dim('via')} ${info.via}`,
    '',
    `  ${c.bold('Logic Extension')} ${c.dim('(Arcade dashboard → Contextual Access → pre-execution hook)')}`,
    row('hook URL', c.cyan(`${base}/hooks/pre`)),
    row('health path', `/health  ${c.dim(`(${base}/health)`)}`),
    row(
      'auth',
      info.bearer.configured
        ? `Bearer = the value of HOOK_BEARER_TOKEN ${c.dim(`(set, ${info.bearer.length} characters)`)}`
        : c.yellow(
            'HOOK_BEARER_TOKEN is not set: this run made one up that is never shown. Set it in .env (`openssl rand -hex 32`) and restart, so Arcade can send the same value.',
          ),
    ),
    row('timeout', `at least ${info.hookTimeoutMs} ms ${c.dim(`(our hook budget, HOOK_TIMEOUT_MS; Arcade allows up to 30000)`)}`),
    row('failure mode', `fail_closed ${c.dim('(a hook that cannot answer must stop the tool)')}`),
    '',
    `  ${c.bold('Arcade server')} ${c.dim('(Dashboard → Servers → Add server → type Arcade): Arcade injects each user’s Duo token')}`,
    row('URL', c.cyan(base)),
    info.worker.enabled
      ? row('secret', `the value of ARCADE_WORKER_SECRET ${c.dim(`(set, ${info.worker.secretLength} characters)`)}`)
      : row(
          'secret',
          c.yellow(
            'ARCADE_WORKER_SECRET is not set, so /worker answers 503. Set it (`openssl rand -hex 32`), restart, and give Arcade the same value.',
          ),
        ),
    row(
      'auth provider',
      `every tool requires "${info.worker.providerId}" ${c.dim('(ARCADE_PROVIDER_ID: the id of the Duo OAuth provider in Arcade)')}`,
    ),
    '',
    `  ${c.bold('MCP')} ${c.dim('(any MCP client; tool calls need a Duo access token)')}  ${base}/mcp`,
    '',
    c.dim('Calls appear below: --> when one arrives, <-- with the answer. Ctrl+C stops.'),
  ];
  return lines.join('\n');
}

function stamp(c: ChalkInstance): string {
  return c.dim(new Date().toISOString().slice(11, 19));
}

const SURFACE_WIDTH = 6;

export function requestLine(c: ChalkInstance, event: HttpRequestEvent): string {
  return `${stamp(c)}  ${c.cyan('-->')}  ${event.surface.padEnd(SURFACE_WIDTH)}  ${event.method} ${event.path}`;
}

export function responseLine(c: ChalkInstance, event: HttpResponseEvent): string {
  const tint = event.ok ? c.green : c.red;
  const parts = [
    tint(`[${event.status}]`),
    event.subject ?? `${event.method} ${event.path}`,
    event.outcome ? tint(event.outcome) : undefined,
    c.dim(formatMs(event.latencyMs)),
  ];
  return `${stamp(c)}  ${c.magenta('<--')}  ${event.surface.padEnd(SURFACE_WIDTH)}  ${parts.filter(Boolean).join('  ')}`;
}

export function toolCallLine(c: ChalkInstance, event: StackEventMap['tool.call'][0]): string {
  return `${stamp(c)}  ${c.cyan('-->')}  ${'mcp'.padEnd(SURFACE_WIDTH)}  tools/call ${event.tool}`;
}

export function toolResultLine(c: ChalkInstance, event: StackEventMap['tool.result'][0]): string {
  const outcome = event.ok
    ? c.green('ok')
    : c.red(event.denied ? `denied: ${event.message ?? ''}` : `${event.status ? `[${event.status}] ` : ''}${event.message ?? 'failed'}`);
  const latency = event.latencyMs === undefined ? '' : `  ${c.dim(formatMs(event.latencyMs))}`;
  return `${stamp(c)}  ${c.magenta('<--')}  ${'mcp'.padEnd(SURFACE_WIDTH)}  ${event.tool}  ${outcome}${latency}`;
}
