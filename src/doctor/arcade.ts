import { fetchJson, type JsonAnswer } from './http.js';
import { isAcceptableUrl } from './settings.js';
import type { DoctorContext } from './types.js';

/** `GET <ARCADE_BASE_URL><path>` with the API key as Bearer (PROTOCOLS.md §5), shared between checks. */
export function arcadeGet(ctx: DoctorContext, path: string): Promise<JsonAnswer> {
  const { arcadeBaseUrl, arcadeApiKey } = ctx.settings;
  // The key never travels over plain http to anything but loopback.
  if (!isAcceptableUrl(arcadeBaseUrl)) return Promise.reject(new Error(`ARCADE_BASE_URL "${arcadeBaseUrl}" must be https`));
  return ctx.memo(`arcade ${path}`, (signal) =>
    fetchJson(`${arcadeBaseUrl}${path}`, { headers: { authorization: `Bearer ${arcadeApiKey ?? ''}` }, signal }),
  );
}

export function arcadeProvider(ctx: DoctorContext): Promise<JsonAnswer> {
  return arcadeGet(ctx, `/v1/admin/auth_providers/${encodeURIComponent(ctx.settings.providerId)}`);
}

/** What Arcade answered, in words, for rows about unexpected statuses. */
export function describeStatus(answer: JsonAnswer): string {
  const body = answer.body as { message?: unknown; error?: unknown } | undefined;
  const message = typeof body?.message === 'string' ? body.message : typeof body?.error === 'string' ? body.error : '';
  return `HTTP ${answer.status}${message ? ` (${message.slice(0, 200)})` : ''}`;
}
