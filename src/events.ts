import { EventEmitter } from 'node:events';

/** What happens inside the stack, for the narrator (demo) and the request log (serve). Never carries a secret. */
export interface StackEventMap {
  'hook.decision': [HookDecisionEvent];
  'stepup.push': [{ executionId: string; username: string; txid?: string; pushinfo: Record<string, string> }];
  'tool.call': [{ tool: string; arguments: Record<string, unknown> }];
  'tool.result': [{ tool: string; ok: boolean; status?: number; message?: string; denied?: boolean }];
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
