import { EventEmitter } from 'node:events';

/** What happens inside the stack, for the narrator (demo) and the request log (serve). Never carries a secret. */
export interface StackEventMap {
  'hook.decision': [HookDecisionEvent];
  'stepup.push': [{ executionId: string; username: string; txid?: string; pushinfo: Record<string, string> }];
  'tool.call': [{ tool: string; arguments: Record<string, unknown> }];
  'tool.result': [{ tool: string; ok: boolean; status?: number; message?: string; denied?: boolean; latencyMs?: number }];
  /** A call from outside arrived at the hook or the worker (the `-->` line of `serve`). */
  'http.request': [HttpRequestEvent];
  /** …and was answered (the `<--` line). */
  'http.response': [HttpResponseEvent];
  log: [{ level: 'info' | 'warn' | 'error'; message: string }];
}

export interface HookDecisionEvent {
  executionId: string;
  tool: string;
  userId?: string;
  code: 'OK' | 'CHECK_FAILED';
  /** Why: "not sensitive", "approved on the phone", "denied on the phone", … */
  reason: string;
  matchedTerm?: string;
  stepUp: boolean;
  ref?: string;
  latencyMs: number;
}

export class StackEvents extends EventEmitter<StackEventMap> {}

export type Surface = 'hook' | 'worker';

export interface HttpRequestEvent {
  id: number;
  surface: Surface;
  method: string;
  path: string;
}

export interface HttpResponseEvent extends HttpRequestEvent {
  status: number;
  latencyMs: number;
  /** What was called, e.g. "DuoCrm.ListContacts", when the handler knows it. */
  subject?: string;
  /** The decision or result in a few words, e.g. "OK · not sensitive" or "UPSTREAM_RUNTIME_AUTH_ERROR: Missing required scope". */
  outcome?: string;
  ok: boolean;
}
