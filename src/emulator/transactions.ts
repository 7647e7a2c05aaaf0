/** Auth API push transactions: state per txid, and the long-poll waits `auth_status` needs. */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { AuthResult } from '../duo/auth-api-client.js';
import type { PushAnswer, PushRequest, VirtualPhone } from './phone.js';

// Wire results, PROTOCOLS.md §1 ("Push outcomes"). The fraud text is [inferred].
export const PUSHED: AuthResult = {
  result: 'waiting',
  status: 'pushed',
  status_msg: 'Pushed a login request to your device...',
};
export const OUTCOMES: Record<PushAnswer, AuthResult> = {
  approve: { result: 'allow', status: 'allow', status_msg: 'Success. Logging you in...' },
  deny: { result: 'deny', status: 'deny', status_msg: 'Login request denied.' },
  fraud: { result: 'deny', status: 'fraud', status_msg: 'Login request reported as fraudulent.' },
  timeout: { result: 'deny', status: 'timeout', status_msg: 'Login timed out.' },
};

export interface Transaction {
  txid: string;
  username: string;
  state: AuthResult;
  /** Bumped on every state change. */
  version: number;
  /** The version last answered by auth_status, so the next poll waits for a change. */
  reportedVersion: number;
  terminal: boolean;
  settledAt?: number;
}

/** Terminal transactions stay queryable this long. */
const RETENTION_MS = 10 * 60_000;

export class PushTransactions {
  private readonly txs = new Map<string, Transaction>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly closed = new AbortController();

  constructor(
    private readonly phone: VirtualPhone,
    private readonly opts: { pushLifetimeMs: number; maxPollMs: number; now: () => number },
  ) {
    // Every pending push and long-poll listens for close: many at once is the normal load, not a leak.
    setMaxListeners(0, this.closed.signal);
  }

  start(push: Omit<PushRequest, 'txid' | 'receivedAt'>): Transaction {
    this.purge();
    const tx: Transaction = {
      txid: randomUUID(),
      username: push.username,
      state: PUSHED,
      version: 1,
      reportedVersion: 0,
      terminal: false,
    };
    this.txs.set(tx.txid, tx);
    void this.phone
      .deliver(
        { ...push, txid: tx.txid, receivedAt: new Date(this.opts.now()) },
        {
          lifetimeMs: this.opts.pushLifetimeMs,
          signal: this.closed.signal,
        },
      )
      .then((answer) => {
        tx.state = OUTCOMES[answer];
        tx.terminal = true;
        tx.settledAt = this.opts.now();
        tx.version++;
        this.notify(tx.txid);
      });
    return tx;
  }

  /** A transaction that is over before it starts (e.g. a locked-out user): no push is sent. */
  startSettled(username: string, state: AuthResult): Transaction {
    const tx: Transaction = {
      txid: randomUUID(),
      username,
      state,
      version: 1,
      reportedVersion: 0,
      terminal: true,
      settledAt: this.opts.now(),
    };
    this.txs.set(tx.txid, tx);
    return tx;
  }

  get(txid: string): Transaction | undefined {
    return this.txs.get(txid);
  }

  /** Resolves on the transaction's next change, after `maxMs`, or when the emulator closes. */
  waitForChange(tx: Transaction, maxMs = this.opts.maxPollMs): Promise<void> {
    if (tx.terminal || this.closed.signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const set = this.waiters.get(tx.txid) ?? new Set<() => void>();
      this.waiters.set(tx.txid, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        this.closed.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, maxMs);
      set.add(done);
      this.closed.signal.addEventListener('abort', done, { once: true });
    });
  }

  /** For synchronous auth: waits until the push settles (bounded by the push lifetime). */
  async waitTerminal(tx: Transaction): Promise<void> {
    while (!tx.terminal && !this.closed.signal.aborted) await this.waitForChange(tx, this.opts.pushLifetimeMs + 1_000);
  }

  /** Ends every wait and pending push so the server can close promptly. */
  dispose(): void {
    this.closed.abort();
  }

  get isClosed(): boolean {
    return this.closed.signal.aborted;
  }

  private notify(txid: string): void {
    const set = this.waiters.get(txid);
    if (!set) return;
    this.waiters.delete(txid);
    for (const done of [...set]) done();
  }

  private purge(): void {
    const cutoff = this.opts.now() - RETENTION_MS;
    for (const [txid, tx] of this.txs) if (tx.terminal && (tx.settledAt ?? 0) < cutoff) this.txs.delete(txid);
  }
}
