import { closeSync, mkdirSync, openSync } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UserError } from '../errors.js';
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

/**
 * Appends JSON lines, in order. The file is created, and proved writable, when the log is opened: a path we cannot
 * write is a clear error at start-up, not decisions silently lost later.
 */
export class AuditLog {
  private chain: Promise<void> = Promise.resolve();
  private failing = false;

  constructor(
    readonly path: string,
    private readonly onError: (message: string) => void,
  ) {
    try {
      makeFolder(dirname(path));
      closeSync(openSync(path, 'a', 0o600));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UserError(
        `Cannot write the audit log ${path}${code ? ` (${code})` : ''}.`,
        'Give --audit-log a file in a folder you can write to (or leave the log off: `serve --no-audit-log`; demo and scenario keep none unless asked).',
      );
    }
  }

  append(entry: AuditEntry): Promise<void> {
    this.chain = this.chain
      .then(() => appendFile(this.path, `${JSON.stringify(entry)}\n`, { mode: 0o600 }))
      .then(
        () => {
          if (this.failing) this.onError(`audit log ${this.path}: writing again`);
          this.failing = false;
        },
        (error: unknown) => {
          // Said once when it starts failing, not once per decision.
          if (!this.failing)
            this.onError(`audit log ${this.path}: ${(error as Error).message}; decisions are not recorded until it can be written`);
          this.failing = true;
        },
      );
    return this.chain;
  }

  /** Resolves once every line appended so far is on disk, or after `withinMs`: a stuck disk must not hold up exit. */
  flush(withinMs = 2_000): Promise<void> {
    return Promise.race([this.chain, new Promise<void>((resolve) => setTimeout(resolve, withinMs).unref())]);
  }
}

/** mkdir -p, a level at a time: Node's recursive mkdir never returns for some paths (under /proc, for one). */
function makeFolder(dir: string): void {
  try {
    mkdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT' || dirname(dir) === dir) throw error;
    makeFolder(dirname(dir));
    mkdirSync(dir);
  }
}

/** Reads an audit log, skipping lines that are not entries (a torn last line, a hand edit), and counting them. */
export async function readAuditLog(path: string): Promise<{ entries: AuditEntry[]; skipped: number }> {
  const text = await readFile(path, 'utf8');
  const entries: AuditEntry[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const value = JSON.parse(line) as AuditEntry;
      if (value && typeof value.ref === 'string' && typeof value.decision === 'string') entries.push(value);
      else skipped++;
    } catch {
      skipped++;
    }
  }
  return { entries, skipped };
}
