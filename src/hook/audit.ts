import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { HookDecisionEvent } from '../events.js';

/** One line per hook decision. Never a token or a secret: the event carries none. */
export interface AuditEntry {
  time: string;
  ref: string;
  executionId: string;
  caller?: string;
  duoUser?: string;
  tool: string;
  rule?: string;
  txid?: string;
  decision: 'OK' | 'CHECK_FAILED' | 'RATE_LIMIT_EXCEEDED';
  outcome: HookDecisionEvent['outcome'];
  reason: string;
  latencyMs: number;
}

export function auditEntryOf(event: HookDecisionEvent, time = new Date()): AuditEntry {
  return {
    time: time.toISOString(),
    ref: event.ref,
    executionId: event.executionId,
    ...(event.userId ? { caller: event.userId } : {}),
    ...(event.duoUser ? { duoUser: event.duoUser } : {}),
    tool: event.tool,
    ...(event.rule ? { rule: event.rule } : {}),
    ...(event.txid ? { txid: event.txid } : {}),
    decision: event.code,
    outcome: event.outcome,
    reason: event.reason,
    latencyMs: event.latencyMs,
  };
}

/** Appends JSON lines, in order, creating the folder on first write. */
export class AuditLog {
  private chain: Promise<void> = Promise.resolve();
  private ready?: Promise<unknown>;

  constructor(
    readonly path: string,
    private readonly onError: (message: string) => void,
  ) {}

  append(entry: AuditEntry): Promise<void> {
    this.ready ??= mkdir(dirname(this.path), { recursive: true });
    this.chain = this.chain
      .then(() => this.ready)
      .then(() => appendFile(this.path, `${JSON.stringify(entry)}\n`, { mode: 0o600 }))
      .catch((error: unknown) => this.onError(`audit log ${this.path}: ${(error as Error).message}`));
    return this.chain;
  }

  /** Resolves once every line appended so far is on disk. */
  flush(): Promise<void> {
    return this.chain;
  }
}

/** Reads an audit log, skipping lines that are not entries (a torn last line, a hand edit). */
export async function readAuditLog(path: string): Promise<AuditEntry[]> {
  const text = await readFile(path, 'utf8');
  const entries: AuditEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const value = JSON.parse(line) as AuditEntry;
      if (value && typeof value.ref === 'string' && typeof value.decision === 'string') entries.push(value);
    } catch {
      // not an entry
    }
  }
  return entries;
}
