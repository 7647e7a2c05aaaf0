/** Duo's JSON envelopes and the error codes the emulator answers with (PROTOCOLS.md §1). */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export interface DuoFailure {
  status: ContentfulStatusCode;
  code: number;
  message: string;
  detail?: string;
}

const failure = (status: ContentfulStatusCode, code: number, message: string, detail?: string): DuoFailure =>
  detail === undefined ? { status, code, message } : { status, code, message, detail };

export const DUO_ERRORS = {
  missingParam: (name: string) => failure(400, 40001, 'Missing required request parameters', name),
  invalidParams: (detail: string) => failure(400, 40002, 'Invalid request parameters', detail),
  missingCredentials: () => failure(401, 40101, 'Missing request credentials'),
  invalidIkey: () => failure(401, 40102, 'Invalid integration key in request credentials'),
  invalidSignature: () => failure(401, 40103, 'Invalid signature in request credentials'),
  notFound: () => failure(404, 40401, 'Resource not found'),
  // [inferred] codes for 405 and 413 follow Duo's status*100+n pattern; their wire text was not seen.
  methodNotAllowed: () => failure(405, 40501, 'Method not allowed'),
  tooLarge: () => failure(413, 41301, 'Request entity too large'),
};

export function duoFail(c: Context, f: DuoFailure): Response {
  const body: Record<string, unknown> = { stat: 'FAIL', code: f.code, message: f.message };
  if (f.detail !== undefined) body.message_detail = f.detail;
  return c.json(body, f.status);
}

export function duoOk(c: Context, response: unknown): Response {
  return c.json({ stat: 'OK', response }, 200);
}
