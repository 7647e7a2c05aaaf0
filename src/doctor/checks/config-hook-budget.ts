import { ARCADE_MAX_HOOK_TIMEOUT_MS } from '../../config.js';
import { error, ok, warn, type Check } from '../types.js';

/** Below this the presenter has too little time to find the phone and approve. */
const MIN_COMFORTABLE_MS = 15_000;

export const configHookBudget: Check = {
  id: 'config-hook-budget',
  title: 'Hook time budget',
  group: 'config',
  async run({ settings }) {
    const problem = settings.configProblems.find((p) => p.startsWith('HOOK_TIMEOUT_MS'));
    if (problem) {
      return error(
        problem,
        `Set HOOK_TIMEOUT_MS between 1000 and ${ARCADE_MAX_HOOK_TIMEOUT_MS} (Arcade's hook timeout_ms cannot exceed 30 s); 25000 leaves time to approve.`,
      );
    }
    const budget = settings.hookTimeoutMs;
    const arcade = `set the Arcade hook's timeout_ms to at least ${budget} (Arcade allows up to ${ARCADE_MAX_HOOK_TIMEOUT_MS})`;
    if (budget < MIN_COMFORTABLE_MS) {
      return warn(
        `HOOK_TIMEOUT_MS=${budget}: the push is answered "approval timed out" after about ${Math.floor(budget / 1000)} s, little time to approve on stage`,
        `Raise HOOK_TIMEOUT_MS to 25000 and ${arcade}.`,
      );
    }
    return ok(`${budget} ms per hook call: ${arcade}`);
  },
};
