import { createPkcePair, discover, type OidcEndpoints } from '../duo/oidc-client.js';
import { DuoAuthClient } from '../duo/auth-api-client.js';
import { CRM_SCOPES } from '../emulator/directory.js';
import { arcadeProvider } from './arcade.js';
import { record, text } from './http.js';
import type { DoctorContext } from './types.js';

/** Arcade's OAuth callback for custom providers; the authorize probe uses the provider's own when Arcade tells it. */
export const DEFAULT_ARCADE_REDIRECT_URI = 'https://cloud.arcade.dev/api/v1/oauth/callback';

export function discovery(ctx: DoctorContext): Promise<OidcEndpoints> {
  const issuer = ctx.settings.issuer!;
  return ctx.memo(`discovery ${issuer}`, (signal) => discover(issuer, { signal }));
}

export function authClient(ctx: DoctorContext): DuoAuthClient {
  const s = ctx.settings;
  return new DuoAuthClient({ baseUrl: s.authApiUrl!, ikey: s.authIkey ?? '', skey: s.authSkey ?? '', timeoutMs: 60_000 });
}

/** What /authorize did with a probe: redirected back with a code or an error, showed a page, or refused. */
export type AuthorizeOutcome =
  | { kind: 'code' }
  | { kind: 'error'; status: number; error: string; description: string }
  | { kind: 'login'; status: number }
  | { kind: 'page'; status: number; text: string };

/**
 * Sends the browser's first request of Arcade's sign-in: the CRM scopes, a PKCE S256 challenge (or none, with
 * `pkce: false`), Arcade's redirect URI. A real Duo then shows its sign-in page; a misconfigured app says why not.
 */
export function probeAuthorize(ctx: DoctorContext, options: { pkce: boolean; redirectUri: string }): Promise<AuthorizeOutcome> {
  return ctx.memo(`authorize ${options.pkce} ${options.redirectUri}`, async (signal) => {
    const endpoints = await discovery(ctx);
    const url = new URL(endpoints.authorization_endpoint);
    const params: Record<string, string> = {
      response_type: 'code',
      client_id: ctx.settings.clientId ?? '',
      redirect_uri: options.redirectUri,
      scope: CRM_SCOPES.join(' '),
      state: 'duo-arcade-doctor',
    };
    if (options.pkce) {
      params.code_challenge = createPkcePair().challenge;
      params.code_challenge_method = 'S256';
    }
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const response = await fetch(url, {
      redirect: 'manual',
      signal,
      headers: { accept: 'text/html,application/json' },
    });
    const location = response.headers.get('location');
    const body = await response.text();
    if (response.status >= 300 && response.status < 400 && location) {
      const target = new URL(location, url);
      const expected = new URL(options.redirectUri);
      if (target.origin === expected.origin && target.pathname === expected.pathname) {
        const error = target.searchParams.get('error');
        if (error)
          return { kind: 'error', status: response.status, error, description: target.searchParams.get('error_description') ?? '' };
        return { kind: 'code' };
      }
      return { kind: 'login', status: response.status };
    }
    try {
      const json = JSON.parse(body) as { error?: unknown; error_description?: unknown; error_message?: unknown };
      if (typeof json.error === 'string') {
        const description = typeof json.error_description === 'string' ? json.error_description : String(json.error_message ?? '');
        return { kind: 'error', status: response.status, error: json.error, description };
      }
    } catch {
      // an HTML page
    }
    return {
      kind: 'page',
      status: response.status,
      text: body
        .replace(/<[^>]*>/g, ' ')
        .replace(/\s+/g, ' ')
        .slice(0, 2_000),
    };
  });
}

/** The redirect URI Arcade registers for our provider, when the Arcade API can tell; Arcade's usual one otherwise. */
export async function arcadeRedirectUri(ctx: DoctorContext): Promise<string> {
  if (!ctx.settings.arcadeApiKey) return DEFAULT_ARCADE_REDIRECT_URI;
  const provider = await arcadeProvider(ctx).catch(() => undefined);
  return text(provider?.status === 200 ? record(provider.body).redirect_uri : undefined) ?? DEFAULT_ARCADE_REDIRECT_URI;
}
