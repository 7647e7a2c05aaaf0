import { describeSecret, ok, warn, type Check } from '../types.js';

const MIN_LENGTH = 24;

export const configWorkerSecret: Check = {
  id: 'config-worker-secret',
  title: 'Worker secret',
  group: 'config',
  modes: ['live'],
  async run({ settings }) {
    const secret = settings.env.ARCADE_WORKER_SECRET?.trim();
    const fix =
      'Generate one with `openssl rand -hex 32`, set it as ARCADE_WORKER_SECRET, and give the same value as the secret of the server in Arcade.';
    if (!secret) return warn('ARCADE_WORKER_SECRET is not set: /worker answers 503, so Arcade cannot run the CRM tools here', fix);
    if (secret.length < MIN_LENGTH) return warn(`ARCADE_WORKER_SECRET is only ${secret.length} characters: guessable`, fix);
    return ok(`ARCADE_WORKER_SECRET is ${describeSecret(secret)}`);
  },
};
