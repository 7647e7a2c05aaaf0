import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

/** The largest JSON body any of our endpoints reads: tool inputs and hook calls are small. */
export const MAX_JSON_BODY_BYTES = 64 * 1024;

/** Deeper bodies are refused before anything walks them recursively. */
export const MAX_JSON_DEPTH = 64;

/** How deeply a parsed JSON value nests, measured without recursion (so any depth is safe to measure). */
export function nestingDepth(value: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > MAX_JSON_DEPTH) return deepest;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** Thrown inside a handler to answer with a clear JSON error instead of a 500. */
export class HttpProblem extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 500 | 502 | 503,
    readonly error: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Rejects bodies over `maxBytes` with 413 before they are read; `extra` adds fields (the hook adds its code). */
export function limitBody(maxBytes = MAX_JSON_BODY_BYTES, extra: Record<string, unknown> = {}): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) => c.json({ error: 'payload_too_large', message: `Request body is larger than ${maxBytes} bytes.`, ...extra }, 413),
  });
}

/** Parses a JSON object body, naming what is wrong when it is not one. */
export async function readJsonObject(c: Context): Promise<Record<string, unknown>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/([\w.-]+\+)?json\s*(;|$)/i.test(type)) {
    throw new HttpProblem(
      415,
      'unsupported_media_type',
      `Send the body as JSON with "Content-Type: application/json" (got "${type || 'none'}").`,
    );
  }
  let text: string;
  try {
    text = await c.req.text();
  } catch {
    throw new HttpProblem(400, 'incomplete_body', 'The request body was cut off before it was complete.');
  }
  if (text.trim() === '') throw new HttpProblem(400, 'invalid_json', 'Request body is empty: expected a JSON object.');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // The parser's message quotes the body; say where it broke instead.
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    throw new HttpProblem(400, 'invalid_json', `Request body is not valid JSON${position ? ` (error at byte ${position})` : ''}.`);
  }
  if (nestingDepth(value) > MAX_JSON_DEPTH) {
    throw new HttpProblem(400, 'invalid_json', `Request body is nested more than ${MAX_JSON_DEPTH} levels deep.`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw new HttpProblem(400, 'invalid_json', `Request body must be a JSON object, not ${kind}.`);
  }
  return value as Record<string, unknown>;
}

/** Zod issues as one line each, `path: message`. */
export function describeIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): string {
  return issues
    .map((issue) => `${issue.path.length ? issue.path.map(String).join('.') : '(body)'}: ${plainMessage(issue.message)}`)
    .join('; ');
}

/** zod's wording, said the way a person would. */
export function plainMessage(message: string): string {
  if (/received undefined$/.test(message)) return 'is required';
  const article = (word: string) => (word === 'record' ? 'an object' : /^[aeiou]/i.test(word) ? `an ${word}` : `a ${word}`);
  return message
    .replace(
      /^Invalid input: expected (\w+), received (\w+)$/,
      (_, expected: string, received: string) => `must be ${article(expected)}, not ${received}`,
    )
    .replace(
      /^Invalid option: expected one of (.*)$/,
      (_, options: string) =>
        `must be one of ${options
          .replace(/"([^"]*)"/g, '$1')
          .split('|')
          .join(', ')}`,
    );
}

/** The caller hung up while we read its request (Node says "aborted"): nothing to answer, and not our bug. */
export function isCallerGone(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return (error instanceof Error && error.message === 'aborted') || code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE';
}
