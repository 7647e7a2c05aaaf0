import { arcadeGet, describeStatus } from '../arcade.js';
import { networkReason } from '../http.js';
import { isAcceptableUrl } from '../settings.js';
import { error, ok, skip, type Check } from '../types.js';

export const arcadeKey: Check = {
  id: 'arcade-key',
  title: 'API key',
  group: 'arcade',
  modes: ['live'],
  network: true,
  async run(ctx) {
    const { arcadeApiKey, arcadeBaseUrl } = ctx.settings;
    if (!arcadeApiKey) {
      return skip('skipped: ARCADE_API_KEY is not set, so the provider, extension, hook and worker in Arcade are not checked');
    }
    if (!isAcceptableUrl(arcadeBaseUrl)) {
      return error(
        `ARCADE_BASE_URL "${arcadeBaseUrl}" must be https (plain http only on loopback)`,
        'Unset ARCADE_BASE_URL to use https://api.arcade.dev.',
      );
    }
    let answer;
    try {
      answer = await arcadeGet(ctx, '/v1/tools?limit=1');
    } catch (cause) {
      return error(`cannot reach ${arcadeBaseUrl}: ${networkReason(cause)}`, 'Check ARCADE_BASE_URL and the network path to Arcade.');
    }
    if (answer.status === 401 || answer.status === 403) {
      return error(
        `Arcade rejects ARCADE_API_KEY (${describeStatus(answer)})`,
        'Create an API key in the Arcade dashboard (Settings → API keys) for the project that holds the provider and the extension, and set ARCADE_API_KEY.',
      );
    }
    if (answer.status !== 200)
      return error(`GET /v1/tools answered ${describeStatus(answer)}`, "Check ARCADE_BASE_URL and Arcade's status page.");
    const health = await arcadeGet(ctx, '/v1/health').catch(() => undefined);
    const engine = health?.status === 200 ? 'engine healthy' : `engine health ${health ? `HTTP ${health.status}` : 'unreachable'}`;
    return ok(`ARCADE_API_KEY is accepted by ${arcadeBaseUrl} (${engine})`);
  },
};
