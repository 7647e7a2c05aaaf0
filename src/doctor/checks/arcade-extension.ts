import { arcadeGet } from '../arcade.js';
import { dig, items, text } from '../http.js';
import { currentPublicUrl } from '../public-url.js';
import { isAcceptableUrl, isLoopbackUrl } from '../settings.js';
import { error, ok, warn, type Check, type DoctorContext } from '../types.js';

export interface ExtensionRecord {
  id: string;
  name: string;
  preUrl?: string;
  raw: Record<string, unknown>;
}

/** Our extension: the plugin whose pre-execution endpoint is a `/hooks/pre` URL (the current tunnel's first). */
export async function findExtension(ctx: DoctorContext): Promise<{ found?: ExtensionRecord; count: number; status: number }> {
  const answer = await arcadeGet(ctx, '/v1/plugins');
  if (answer.status !== 200) return { count: 0, status: answer.status };
  const plugins = items(answer.body).map((raw) => ({
    id: text(raw.id) ?? '',
    name: text(raw.name) ?? text(raw.id) ?? '(unnamed)',
    preUrl: text(dig(raw, 'webhook_config.endpoints.pre.url')),
    raw,
  }));
  const current = await currentPublicUrl(ctx);
  const ours = plugins.filter((p) => p.preUrl && /\/hooks\/pre\/?$/.test(p.preUrl));
  const found = ours.find((p) => current && p.preUrl === `${current.url}/hooks/pre`) ?? ours[0];
  return { ...(found ? { found } : {}), count: plugins.length, status: 200 };
}

export const arcadeExtension: Check = {
  id: 'arcade-extension',
  title: 'Contextual Access extension',
  group: 'arcade',
  modes: ['live'],
  needs: ['arcade-key'],
  network: true,
  async run(ctx) {
    const { found, count, status } = await findExtension(ctx);
    if (status !== 200) return error(`GET /v1/plugins answered HTTP ${status}`, "Check the API key's project and permissions.");
    if (!found) {
      return error(
        `none of the ${count} extension(s) calls a /hooks/pre endpoint`,
        'Add a Contextual Access extension in the Arcade dashboard: pre-execution URL <public URL>/hooks/pre, Bearer auth with HOOK_BEARER_TOKEN; then activate it.',
      );
    }
    const problems: string[] = [];
    const fixes: string[] = [];
    const notes: string[] = [];
    const state = text(found.raw.status);
    if (state !== 'active') {
      problems.push(`it is ${state ?? 'in an unknown state'}, not active (new extensions start inactive)`);
      fixes.push('Activate the extension in the Arcade dashboard.');
    }
    const preUrl = found.preUrl!;
    // Arcade's cloud needs public https; a local engine (ARCADE_BASE_URL on loopback) can reach a loopback hook.
    const localArcade = isLoopbackUrl(ctx.settings.arcadeBaseUrl);
    if (!isAcceptableUrl(preUrl) || (!preUrl.startsWith('https://') && !(localArcade && isLoopbackUrl(preUrl)))) {
      problems.push(`its pre URL ${preUrl} is not public https`);
      fixes.push('Use the https URL of the tunnel (`duo-arcade serve --live` prints it).');
    }
    const current = await currentPublicUrl(ctx);
    if (current) {
      const expected = `${current.url}/hooks/pre`;
      if (preUrl !== expected) {
        problems.push(`its pre URL ${preUrl} is not the current tunnel's ${expected}: Arcade reports "extension endpoint not found"`);
        fixes.push(`Set the extension's pre-execution URL to ${expected} (a reserved domain with --ngrok-url keeps it stable).`);
      } else notes.push(`pre URL ${preUrl} is the current tunnel (${current.source})`);
    } else {
      notes.push(`pre URL ${preUrl} (no current public URL known to compare: pass --public-url, or start \`serve --live\`)`);
    }
    const authType = text(dig(found.raw, 'auth.type'))?.toLowerCase();
    if (authType !== 'bearer' || dig(found.raw, 'auth.token.exists') === false) {
      problems.push(authType !== 'bearer' ? `its auth is ${authType ?? 'not set'}, not Bearer` : 'no Bearer token is stored');
      fixes.push("Set the extension's auth to Bearer with the value of HOOK_BEARER_TOKEN.");
    }
    const health = text(found.raw.health_status);
    if (problems.length > 0) return error(`"${found.name}": ${problems.join('; ')}`, fixes.join(' '));
    if (health && health !== 'healthy') {
      return warn(
        `"${found.name}" is active but Arcade sees it as ${health}; ${notes.join('; ')}`,
        'Start `duo-arcade serve --live` and check the tunnel rows below.',
      );
    }
    return ok(`"${found.name}" is active with Bearer auth; ${notes.join('; ')}`);
  },
};
