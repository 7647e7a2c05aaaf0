import { forwardsTo } from '../tunnel/ngrok.js';
import { fetchJson, items, record, text } from './http.js';
import type { DoctorContext } from './types.js';

/** Where an ngrok agent serves its API: 4040, or the next free port up when another program holds it. */
export const DEFAULT_NGROK_APIS = [4040, 4041, 4042, 4043, 4044, 4045].map((port) => `http://127.0.0.1:${port}`);

export interface RunningAgent {
  api: string;
  tunnels: Array<{ url: string | undefined; addr: string }>;
}

/** Every ngrok agent answering at one of the API addresses, with its tunnels. */
export function runningAgents(ctx: DoctorContext): Promise<RunningAgent[]> {
  return ctx.memo('ngrok agents', async (signal) => {
    const answers = await Promise.all(
      ctx.ngrokApiUrls.map(async (api) => {
        try {
          const answer = await fetchJson(`${api}/api/tunnels`, { signal });
          if (answer.status !== 200 || !Array.isArray(record(answer.body).tunnels)) return undefined;
          const tunnels = items(record(answer.body).tunnels).map((t) => ({
            url: text(t.public_url),
            addr: text(record(t.config).addr) ?? '',
          }));
          return { api, tunnels };
        } catch {
          return undefined;
        }
      }),
    );
    return answers.filter((agent): agent is RunningAgent => agent !== undefined);
  });
}

/** The https tunnel a running agent holds to `port`, and which agent holds it. */
export async function tunnelTo(ctx: DoctorContext, port: number): Promise<{ url: string; api: string } | undefined> {
  for (const agent of await runningAgents(ctx)) {
    const tunnel = agent.tunnels.find((t) => t.url?.startsWith('https://') && forwardsTo(t.addr, port));
    if (tunnel?.url) return { url: tunnel.url, api: agent.api };
  }
  return undefined;
}

/** The public base URL Arcade should call now: --public-url / PUBLIC_URL, else the running ngrok agent's tunnel to our port. */
export function currentPublicUrl(ctx: DoctorContext): Promise<{ url: string; source: string } | undefined> {
  return ctx.memo('public url', async () => {
    if (ctx.settings.publicUrl) return { url: ctx.settings.publicUrl, source: 'PUBLIC_URL / --public-url' };
    const tunnel = await tunnelTo(ctx, ctx.settings.port);
    return tunnel ? { url: tunnel.url.replace(/\/+$/, ''), source: `the ngrok agent at ${tunnel.api}` } : undefined;
  });
}
