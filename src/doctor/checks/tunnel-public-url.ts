import { NGROK_ADVICE, ngrokErrorCode } from '../../tunnel/ngrok-errors.js';
import { networkReason } from '../http.js';
import { currentPublicUrl } from '../public-url.js';
import { error, ok, skip, type Check } from '../types.js';

export const tunnelPublicUrl: Check = {
  id: 'tunnel-public-url',
  title: 'Public URL end to end',
  group: 'tunnel',
  modes: ['live'],
  after: ['tunnel-agent'],
  network: true,
  async run(ctx) {
    const current = await currentPublicUrl(ctx);
    if (!current)
      return skip('skipped: no public URL known (start `duo-arcade serve --live`, which opens the tunnel, or pass --public-url)');
    const url = `${current.url}/health`;
    let response: Response;
    let body: string;
    try {
      response = await fetch(url, { signal: ctx.signal, headers: { accept: 'application/json', 'ngrok-skip-browser-warning': '1' } });
      body = await response.text();
    } catch (cause) {
      return error(
        `${url} is unreachable: ${networkReason(cause)}`,
        'Check that the tunnel is up (`duo-arcade serve --live` prints its URL), then run doctor again.',
      );
    }
    const code = response.headers.get('ngrok-error-code')?.replace(/^ERR_NGROK_/, '') ?? ngrokErrorCode(body);
    if (code) {
      const advice = NGROK_ADVICE[code];
      return error(
        `${url} answered with ngrok's ERR_NGROK_${code}${advice ? `: ${advice.problem}` : ''}`,
        advice?.fix ?? `See https://ngrok.com/docs/errors/err_ngrok_${code}/`,
      );
    }
    let status: unknown;
    try {
      status = (JSON.parse(body) as { status?: unknown }).status;
    } catch {
      status = undefined;
    }
    if (response.ok && status === 'healthy') return ok(`${url} reaches duo-arcade (${current.source})`);
    return error(
      `${url} answered HTTP ${response.status}, not duo-arcade's health: the URL points at something else`,
      'Point the tunnel at the port `duo-arcade serve` listens on, and use its current URL.',
    );
  },
};
