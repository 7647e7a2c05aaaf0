import type { Context, MiddlewareHandler } from 'hono';
import type { StackEvents, Surface } from '../events.js';

/** What a handler tells the request log about the call it answered. */
export interface RequestNote {
  subject?: string;
  outcome: string;
  ok: boolean;
}

declare module 'hono' {
  interface ContextVariableMap {
    requestNote: RequestNote | undefined;
  }
}

/** Lets a handler describe its answer for the `<--` line (the decision, the tool's result). */
export function noteRequest(c: Context, note: RequestNote): void {
  c.set('requestNote', note);
}

let nextId = 1;

/**
 * Emits one `http.request` when a call from outside arrives and one `http.response` when it is answered, so
 * `serve` can print a line per inbound hook and tool call. Health checks are left out: Arcade polls them.
 */
export function requestLog(events: StackEvents, surface: Surface): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === 'GET' && c.req.path.endsWith('/health')) return next();
    const started = performance.now();
    const base = { id: nextId++, surface, method: c.req.method, path: c.req.path };
    events.emit('http.request', base);
    await next();
    const note = c.get('requestNote');
    const status = c.res.status;
    events.emit('http.response', {
      ...base,
      status,
      latencyMs: Math.round(performance.now() - started),
      subject: note?.subject,
      outcome: note?.outcome ?? (status >= 400 ? await errorText(c.res) : undefined),
      ok: note?.ok ?? status < 400,
    });
  };
}

/** The `error`/`message` of one of our own small JSON error bodies, for a rejected call (401, 400, 413…). */
async function errorText(response: Response): Promise<string | undefined> {
  if (!response.headers.get('content-type')?.includes('json')) return undefined;
  try {
    const body = (await response.clone().json()) as { message?: unknown; error?: unknown };
    const text = typeof body.message === 'string' ? body.message : typeof body.error === 'string' ? body.error : undefined;
    return text && text.length > 160 ? `${text.slice(0, 159)}…` : text;
  } catch {
    return undefined;
  }
}
