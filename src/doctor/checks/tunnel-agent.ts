import { runningAgents, tunnelTo } from '../public-url.js';
import { ok, warn, type Check } from '../types.js';

export const tunnelAgent: Check = {
  id: 'tunnel-agent',
  title: 'Other ngrok agents',
  group: 'tunnel',
  modes: ['live'],
  network: true,
  async run(ctx) {
    const agents = await runningAgents(ctx);
    const where = ctx.ngrokApiUrls.length === 1 ? ctx.ngrokApiUrls[0]! : `${ctx.ngrokApiUrls[0]} … ${ctx.ngrokApiUrls.at(-1)}`;
    if (agents.length === 0) return ok(`no ngrok agent is running (no agent API answers at ${where})`);
    const port = ctx.settings.port;
    const ours = await tunnelTo(ctx, port);
    if (ours) return ok(`an ngrok agent already forwards port ${port}: ${ours.url}`);
    const tunnels = agents.flatMap((agent) => agent.tunnels.map((t) => `${t.url ?? '?'} → ${t.addr}`));
    return warn(
      `another ngrok agent is running (${tunnels.join(', ') || 'no tunnels'}): on the free plan \`serve\` will fail with ERR_NGROK_108`,
      `Stop the other agent (https://dashboard.ngrok.com/agents), or point it at port ${port} and pass its URL with --public-url.`,
    );
  },
};
