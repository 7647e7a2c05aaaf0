import { EventEmitter } from 'node:events';

/** What happens inside the stack, for the narrator (demo), the request log (serve) and the audit log. Never carries a secret. */
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

/** How a decision came about, in one word each, for the audit log and tests. */
export type DecisionOutcome =
  | 'not-sensitive'
  | 'approved'
  | 'bypass'
  | 'dev-mode'
  | 'denied'
  | 'fraud'
  | 'timeout'
  | 'locked-out'
  | 'policy-denied'
  | 'not-enrolled'
  | 'no-push-device'
  | 'unmapped-user'
  | 'duo-error'
  | 'conflict'
  | 'push-limit'
  | 'shutdown'
  | 'internal-error';

export interface HookDecisionEvent {
  /** Short reference, also in the deny message, that finds this decision in the audit log. */
  ref: string;
  executionId: string;
  tool: string;
  /** The caller as Arcade named them. */
  userId?: string;
  /** The Duo user asked to approve. */
  duoUser?: string;
  code: 'OK' | 'CHECK_FAILED' | 'RATE_LIMIT_EXCEEDED';
  outcome: DecisionOutcome;
  /** Why: "not sensitive", "approved on the phone", "denied on the phone", … */
  reason: string;
  /** The rule that required step-up: a term, a restricted record, a write, a listed tool. */
  rule?: string;
  txid?: string;
  stepUp: boolean;
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
