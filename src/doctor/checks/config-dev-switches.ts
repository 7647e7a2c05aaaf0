import { error, ok, warn, type Check } from '../types.js';

export const configDevSwitches: Check = {
  id: 'config-dev-switches',
  title: 'Development switches',
  group: 'config',
  async run({ settings }) {
    const on: string[] = [];
    const insecure = (settings.env.DEV_ALLOW_INSECURE ?? '').trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(insecure)) on.push('DEV_ALLOW_INSECURE (tokens are not validated)');
    const stepup = (settings.env.STEPUP_DEV_MODE ?? '').trim().toLowerCase();
    if (stepup === 'allow' || stepup === 'deny') on.push(`STEPUP_DEV_MODE=${stepup} (step-ups are answered without Duo)`);
    if (on.length === 0) return ok('DEV_ALLOW_INSECURE and STEPUP_DEV_MODE are off');
    const fix = `Remove ${on.map((s) => s.split(/[ =]/)[0]).join(' and ')} from .env and the environment before going live.`;
    return settings.mode === 'live'
      ? error(`on in live mode: ${on.join('; ')}`, fix)
      : warn(`on: ${on.join('; ')} — acceptable offline only`, fix);
  },
};
