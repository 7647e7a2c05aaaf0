import { deadline } from '../deadline.js';
import { errorMessage } from '../errors.js';
import { GROUPS, type Check, type CheckResult, type CheckRow, type DoctorContext } from './types.js';

export interface RunOptions {
  /** Per-check limit for checks that talk to the network. */
  networkTimeoutMs: number;
  /** Per-check limit for the others. */
  localTimeoutMs?: number;
  /** Secrets to scrub from every row, whatever a check or a remote error message put there. */
  secrets?: ReadonlyArray<string | undefined>;
}

type BaseContext = Omit<DoctorContext, 'signal' | 'result' | 'memo'>;

/**
 * Runs every check concurrently. A check waits for those it `needs` (skipped unless they passed or warned) and
 * those it runs `after`; a check that throws or overruns its timeout becomes an error row, and the others still run.
 */
export async function runChecks(checks: readonly Check[], base: BaseContext, options: RunOptions): Promise<CheckRow[]> {
  const results = new Map<string, CheckResult>();
  const promises = new Map<string, Promise<CheckResult>>();
  const memos = new Map<string, Promise<unknown>>();
  const byId = new Map(checks.map((c) => [c.id, c]));
  // Ends whatever is still in flight once the report is ready, so doctor exits when it has answered.
  const runEnd = new AbortController();

  const memo = <T>(key: string, compute: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    let entry = memos.get(key) as Promise<T> | undefined;
    if (!entry) {
      const limit = deadline(options.networkTimeoutMs, runEnd.signal);
      entry = compute(limit.signal).finally(limit.clear);
      memos.set(key, entry);
    }
    return entry;
  };

  const start = (check: Check): Promise<CheckResult> => {
    const existing = promises.get(check.id);
    if (existing) return existing;
    const promise = (async (): Promise<CheckResult> => {
      const prerequisites = [...(check.needs ?? []), ...(check.after ?? [])].filter((id) => byId.has(id));
      await Promise.all(prerequisites.map((id) => start(byId.get(id)!)));
      for (const id of check.needs ?? []) {
        const needed = results.get(id);
        if (needed && (needed.status === 'error' || needed.status === 'skip')) {
          const title = byId.get(id)!.title;
          return {
            status: 'skip',
            detail: `skipped: needs "${title}", which ${needed.status === 'error' ? 'failed' : 'was skipped'}`,
          };
        }
      }
      return runOne(check);
    })().then((result) => {
      results.set(check.id, result);
      return result;
    });
    promises.set(check.id, promise);
    return promise;
  };

  const runOne = async (check: Check): Promise<CheckResult> => {
    const timeoutMs = check.network ? options.networkTimeoutMs : (options.localTimeoutMs ?? Math.max(options.networkTimeoutMs, 10_000));
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<CheckResult>((resolve) => {
      timer = setTimeout(() => {
        controller.abort(new Error('timeout'));
        resolve({
          status: 'error',
          detail: `no answer within ${timeoutMs / 1000} s`,
          fix: 'Check the network path to the service (proxy, firewall, VPN), or raise the limit with --timeout <seconds>.',
        });
      }, timeoutMs);
    });
    const ctx: DoctorContext = { ...base, signal: controller.signal, result: (id) => results.get(id), memo };
    try {
      return await Promise.race([
        check.run(ctx).catch((error: unknown): CheckResult => ({
          status: 'error',
          detail: `the check itself failed: ${errorMessage(error)}`,
          fix: 'This is probably a bug in duo-arcade doctor; run again with DEBUG=1 and report it.',
        })),
        timedOut,
      ]);
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
  };

  const rows = await Promise.all(
    checks.map(async (check): Promise<CheckRow> => {
      const result = await start(check);
      return scrub({ id: check.id, group: check.group, title: check.title, ...result }, options.secrets ?? []);
    }),
  ).finally(() => runEnd.abort(new Error('doctor has finished')));
  const order = new Map(GROUPS.map((g, i) => [g.id, i]));
  return rows
    .map((row, index) => ({ row, index }))
    .sort((a, b) => order.get(a.row.group)! - order.get(b.row.group)! || a.index - b.index)
    .map(({ row }) => row);
}

/** The last net: no configured secret leaves doctor, even inside a remote error message. */
function scrub(row: CheckRow, secrets: ReadonlyArray<string | undefined>): CheckRow {
  const clean = (text: string) => {
    let out = text;
    for (const secret of secrets) if (secret && secret.length >= 6) out = out.split(secret).join('[redacted]');
    return out;
  };
  return { ...row, detail: clean(row.detail), ...(row.fix !== undefined ? { fix: clean(row.fix) } : {}) };
}

export function summarise(rows: readonly CheckRow[]): { errors: number; warnings: number; passed: number; skipped: number } {
  const count = (status: string) => rows.filter((r) => r.status === status).length;
  return { errors: count('error'), warnings: count('warn'), passed: count('ok'), skipped: count('skip') };
}
