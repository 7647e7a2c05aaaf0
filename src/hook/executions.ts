import { createHash } from 'node:crypto';

/** How long a decision is remembered for retries of the same execution. */
const REMEMBER_MS = 10 * 60_000;
const MAX_REMEMBERED = 10_000;

interface Remembered<T> {
  fingerprint: string;
  decision: Promise<T>;
  settledAt?: number;
}

/**
 * One decision per `execution_id`: a retried hook call (Arcade retries, or a client that gave up and came back)
 * waits for or reuses the first decision instead of sending a second push. The same id with different
 * inputs is not a retry, and is refused.
 */
export class ExecutionDecisions<T> {
  private readonly entries = new Map<string, Remembered<T>>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Runs `decide` once per execution id and fingerprint; `conflict` answers a reused id with other content. */
  decideOnce(executionId: string, fingerprint: string, decide: () => Promise<T>, conflict: () => T): Promise<T> {
    this.forgetOld();
    const existing = this.entries.get(executionId);
    if (existing) return existing.fingerprint === fingerprint ? existing.decision : Promise.resolve(conflict());
    const entry: Remembered<T> = { fingerprint, decision: decide() };
    entry.decision.then(
      () => (entry.settledAt = this.now()),
      () => this.entries.delete(executionId),
    );
    this.entries.set(executionId, entry);
    return entry.decision;
  }

  private forgetOld(): void {
    const cutoff = this.now() - REMEMBER_MS;
    for (const [id, entry] of this.entries) {
      if (entry.settledAt !== undefined && entry.settledAt < cutoff) this.entries.delete(id);
    }
    // Bounded memory: the oldest settled decisions go first (Map keeps insertion order).
    for (const [id, entry] of this.entries) {
      if (this.entries.size <= MAX_REMEMBERED) break;
      if (entry.settledAt !== undefined) this.entries.delete(id);
    }
  }
}

/** Same tool, same inputs, same caller: the same request. */
export function fingerprintOf(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
