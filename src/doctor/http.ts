/** Small HTTP helpers for checks: every call carries the check's abort signal and never follows redirects blindly. */
export interface JsonAnswer {
  status: number;
  body: unknown;
  headers: Headers;
}

export async function fetchJson(url: string, init: RequestInit & { signal: AbortSignal }): Promise<JsonAnswer> {
  const response = await fetch(url, { redirect: 'manual', ...init, headers: { accept: 'application/json', ...(init.headers ?? {}) } });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // keep the text
  }
  return { status: response.status, body, headers: response.headers };
}

/** The reason a fetch failed, in a few words (ECONNREFUSED, ENOTFOUND …). */
export function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

export function record(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** A list answer: a bare array, or `{items: […]}` / `{data: […]}` as paginated APIs wrap it. */
export function items(value: unknown): Record<string, unknown>[] {
  const list = Array.isArray(value) ? value : (record(value).items ?? record(value).data ?? []);
  return Array.isArray(list) ? list.map(record) : [];
}

export function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Reads `a.b.c` from nested records. */
export function dig(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const key of path.split('.')) current = record(current)[key];
  return current;
}
