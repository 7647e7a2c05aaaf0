import { tunnelFromApi } from '../tunnel/ngrok.js';
import type { DoctorContext } from './types.js';

/** The public base URL Arcade should call now: --public-url / PUBLIC_URL, else the running ngrok agent's tunnel to our port. */
export function currentPublicUrl(ctx: DoctorContext): Promise<{ url: string; source: string } | undefined> {
  return ctx.memo('public url', async () => {
    if (ctx.settings.publicUrl) return { url: ctx.settings.publicUrl, source: 'PUBLIC_URL / --public-url' };
    const url = await tunnelFromApi(ctx.ngrokApiUrl, ctx.settings.port);
    return url ? { url: url.replace(/\/+$/, ''), source: `the ngrok agent at ${ctx.ngrokApiUrl}` } : undefined;
  });
}
