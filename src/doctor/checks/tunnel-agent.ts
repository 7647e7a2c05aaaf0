import { forwardsTo } from '../../tunnel/ngrok.js';
import { fetchJson, items, record, text } from '../http.js';
import { ok, warn, type Check } from '../types.js';

export const tunnelAgent: Check = {
  id: 'tunnel-agent',
  title: 'Other ngrok agents',
  group: 'tunnel',
  modes: ['live'],
  network: true,
  async run(ctx) {
    const api = ctx.ngrokApiUrl;
    let tunnels;
    try {
      const answer = await fetchJson(`${api}/api/tunnels`, { signal: ctx.signal });
      if (answer.status !== 200) return ok(`nothing at ${api} speaks the ngrok agent API`);
      tunnels = items(record(answer.body).tunnels).map((t) => ({ url: text(t.public_url), addr: text(record(t.config).addr) ?? '' }));
    } catch {
      return ok(`no ngrok agent is running (nothing answers at ${api})`);
    }
    const port = ctx.settings.port;
    const ours = tunnels.find((t) => t.url?.startsWith('https://') && forwardsTo(t.addr, port));
    if (ours) return ok(`an ngrok agent already forwards port ${port}: ${ours.url}`);
    return warn(
      `another ngrok agent is running (${tunnels.map((t) => `${t.url ?? '?'} → ${t.addr}`).join(', ') || 'no tunnels'}): on the free plan \`serve\` will fail with ERR_NGROK_108`,
      `Stop the other agent (https://dashboard.ngrok.com/agents), or point it at port ${port} and pass its URL with --public-url.`,
    );
  },
};
