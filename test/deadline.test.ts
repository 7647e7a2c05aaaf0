import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { deadline } from '../src/deadline.js';
import { postHook, startLocalStack } from './support/stack.js';

// A garbage collection on demand, to reproduce what a long-running server sees.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('deadlines survive garbage collection', () => {
  it('fires after a collection', async () => {
    const { signal } = deadline(200);
    gc();
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    expect((signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it('follows the other signals it was given, and clear() stops it', async () => {
    const other = new AbortController();
    const { signal, clear } = deadline(60_000, other.signal);
    other.abort(new Error('stop'));
    expect(signal.aborted).toBe(true);
    const quiet = deadline(50);
    quiet.clear();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(quiet.signal.aborted).toBe(false);
    clear();
  });

  it('lets the hook answer "timed out" within its budget even after a collection mid-wait', async () => {
    const stack = await startLocalStack({ HOOK_TIMEOUT_MS: '2000' });
    try {
      stack.emulator!.phone.setPolicy('timeout');
      const pending = postHook(stack.hookUrl, { query: 'defence' });
      await new Promise<void>((resolve) => stack.emulator!.phone.onPush(() => resolve()));
      gc();
      const result = await pending;
      // Duo's own push lives 60 s: this answer can only be the hook's own deadline.
      expect(result.error_message).toMatch(/Duo approval timed out/);
    } finally {
      await stack.close();
    }
  });
});
