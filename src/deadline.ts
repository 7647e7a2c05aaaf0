/**
 * An AbortSignal that aborts after `ms`, or as soon as any of `others` aborts. Built from a timer and a
 * controller that stay referenced until `clear()`: on Node 20, `AbortSignal.timeout()` combined through
 * `AbortSignal.any()` can be garbage-collected, and then the deadline silently never fires.
 */
export function deadline(ms: number, ...others: Array<AbortSignal | undefined>): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const sources = others.filter((s): s is AbortSignal => s !== undefined);
  const onAbort = (event: Event) => controller.abort((event.target as AbortSignal).reason);
  const timer = setTimeout(() => controller.abort(new DOMException(`Deadline of ${ms} ms passed`, 'TimeoutError')), ms);
  const clear = () => {
    clearTimeout(timer);
    for (const source of sources) source.removeEventListener('abort', onAbort);
  };
  for (const source of sources) {
    if (source.aborted) {
      controller.abort(source.reason);
      break;
    }
    source.addEventListener('abort', onAbort, { once: true });
  }
  controller.signal.addEventListener('abort', clear, { once: true });
  return { signal: controller.signal, clear };
}
