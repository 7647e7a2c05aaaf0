/** The emulator's stand-in for Duo Mobile: receives pushes and answers them by policy. */

export type PushAnswer = 'approve' | 'deny' | 'timeout' | 'fraud';

export interface PushRequest {
  txid: string;
  username: string;
  device: string;
  /** Push title (the Auth API `type` param). */
  type?: string;
  displayUsername?: string;
  /** The decoded `pushinfo` pairs Duo Mobile would show. */
  pushinfo: Record<string, string>;
  receivedAt: Date;
}

export type PushResponder = (push: PushRequest) => PushAnswer | Promise<PushAnswer>;

export interface PushRecord extends PushRequest {
  outcome: PushAnswer | 'pending';
  answeredAt?: Date;
}

const ANSWERS: ReadonlySet<string> = new Set<PushAnswer>(['approve', 'deny', 'timeout', 'fraud']);

type Listener<T> = (value: T) => void;

export class VirtualPhone {
  private current: PushAnswer | PushResponder = 'approve';
  private readonly records: PushRecord[] = [];
  private readonly pushListeners = new Set<Listener<PushRequest>>();
  private readonly answerListeners = new Set<Listener<PushRecord>>();

  /** A fixed answer, or a function deciding per push. 'timeout' means the phone never answers. */
  setPolicy(policy: PushAnswer | PushResponder): void {
    if (typeof policy !== 'function' && !ANSWERS.has(policy)) throw new TypeError(`Unknown push answer: ${String(policy)}`);
    this.current = policy;
  }

  get policy(): PushAnswer | PushResponder {
    return this.current;
  }

  /** Called when a push arrives. Returns an unsubscribe function. */
  onPush(listener: Listener<PushRequest>): () => void {
    this.pushListeners.add(listener);
    return () => this.pushListeners.delete(listener);
  }

  /** Called when a push is settled (answered or timed out). Returns an unsubscribe function. */
  onAnswer(listener: Listener<PushRecord>): () => void {
    this.answerListeners.add(listener);
    return () => this.answerListeners.delete(listener);
  }

  /** Every push received, oldest first, with its outcome. */
  get history(): readonly PushRecord[] {
    return this.records;
  }

  clearHistory(): void {
    this.records.length = 0;
  }

  /**
   * Delivers a push and resolves with how it ended. The answer races the push lifetime: a responder that
   * answers 'timeout', throws, returns nonsense or is too slow ends as 'timeout', as an unanswered push does.
   * Emulator-internal.
   */
  deliver(push: PushRequest, opts: { lifetimeMs: number; signal?: AbortSignal }): Promise<PushAnswer> {
    const record: PushRecord = { ...push, pushinfo: { ...push.pushinfo }, outcome: 'pending' };
    this.records.push(record);
    const snapshot = (): PushRequest => ({ ...push, pushinfo: { ...push.pushinfo } });
    for (const listener of this.pushListeners) safeCall(listener, snapshot());

    const policy = this.current;
    return new Promise<PushAnswer>((resolve) => {
      let settled = false;
      const finish = (answer: PushAnswer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        record.outcome = answer;
        record.answeredAt = new Date();
        for (const listener of this.answerListeners) safeCall(listener, { ...record });
        resolve(answer);
      };
      const onAbort = () => finish('timeout');
      const timer = setTimeout(() => finish('timeout'), opts.lifetimeMs);
      if (opts.signal?.aborted) return finish('timeout');
      opts.signal?.addEventListener('abort', onAbort, { once: true });

      Promise.resolve()
        .then(() => (typeof policy === 'function' ? policy(snapshot()) : policy))
        .then(
          (answer) => {
            if (answer !== 'timeout' && ANSWERS.has(answer)) finish(answer);
          },
          () => undefined,
        );
    });
  }
}

function safeCall<T>(listener: Listener<T>, value: T): void {
  try {
    listener(value);
  } catch {
    // A broken listener must not break the push flow.
  }
}
