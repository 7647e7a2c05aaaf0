/**
 * Failures the emulator can be told to produce, so every way Duo can go wrong is testable offline:
 * rate limiting, server errors, a body that is not JSON, and an answer that never comes.
 */
export type AuthApiFault = 'rate-limit' | 'server-error' | 'bad-json' | 'hang' | 'wrong-app-type';

interface Queued {
  fault: AuthApiFault;
  remaining: number;
  endpoints?: ReadonlySet<string>;
}

export class FaultSwitches {
  private readonly queue: Queued[] = [];

  /** The next `times` Auth API calls (to `endpoints`, or any) fail with `fault`. */
  inject(fault: AuthApiFault, times = 1, endpoints?: string[]): void {
    this.queue.push({ fault, remaining: times, endpoints: endpoints ? new Set(endpoints) : undefined });
  }

  clear(): void {
    this.queue.length = 0;
  }

  /** Consumes and returns the fault for this call, if one is queued for it. */
  take(endpoint: string): AuthApiFault | undefined {
    const entry = this.queue.find((q) => q.remaining > 0 && (!q.endpoints || q.endpoints.has(endpoint)));
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining === 0) this.queue.splice(this.queue.indexOf(entry), 1);
    return entry.fault;
  }
}
