import { ARCADE_MAX_HOOK_TIMEOUT_MS } from '../../config.js';
import { arcadeGet, describeStatus } from '../arcade.js';
import { items, text } from '../http.js';
import { error, ok, type Check } from '../types.js';
import { findExtension } from './arcade-extension.js';

export const arcadeHook: Check = {
  id: 'arcade-hook',
  title: 'tool.pre hook',
  group: 'arcade',
  modes: ['live'],
  needs: ['arcade-key'],
  after: ['arcade-extension'],
  network: true,
  async run(ctx) {
    const { found } = await findExtension(ctx);
    if (!found) return { status: 'skip', detail: 'skipped: no extension to read hooks from (see above)' };
    const answer = await arcadeGet(ctx, `/v1/hooks?plugin_id=${encodeURIComponent(found.id)}`);
    if (answer.status !== 200)
      return error(`GET /v1/hooks answered ${describeStatus(answer)}`, "Check the API key's project and permissions.");
    const hook = items(answer.body).find((h) => h.hook_point === 'tool.pre');
    if (!hook) {
      return error(
        `the extension "${found.name}" has no tool.pre hook: tool calls are never checked`,
        'Add a tool.pre hook to the extension, fail_closed, timeout_ms 30000.',
      );
    }
    const budget = ctx.settings.hookTimeoutMs;
    const problems: string[] = [];
    const fixes: string[] = [];
    const mode = text(hook.failure_mode);
    if (mode !== 'fail_closed') {
      problems.push(`failure_mode is ${mode ?? 'not set'}: when the hook is unreachable, tools run unchecked`);
      fixes.push('Set failure_mode to fail_closed.');
    }
    const timeout = typeof hook.timeout_ms === 'number' ? hook.timeout_ms : undefined;
    if (timeout === undefined || timeout < budget) {
      problems.push(
        `timeout_ms is ${timeout ?? 'the default 5000'}, below our ${budget} ms budget: calls are blocked before you can approve the push`,
      );
      fixes.push(`Set the hook's timeout_ms to at least ${budget} (at most ${ARCADE_MAX_HOOK_TIMEOUT_MS}), or lower HOOK_TIMEOUT_MS.`);
    }
    const state = text(hook.status);
    if (state && state !== 'active') {
      problems.push(`the hook is ${state}`);
      fixes.push('Activate the hook.');
    }
    if (problems.length > 0) return error(problems.join('; '), fixes.join(' '));
    return ok(`fail_closed, timeout_ms ${timeout} ≥ our ${budget} ms budget`);
  },
};
