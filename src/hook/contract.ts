import { z } from 'zod';

/**
 * Arcade's Logic Extensions pre-execution contract (PROTOCOLS.md §3, conformance/arcade-pre-hook.schema.json).
 * Unknown request fields are ignored, as the contract asks; every response we send is a PreHookResult.
 */
export const PreHookRequest = z.looseObject({
  execution_id: z.string().min(1).max(200),
  tool: z.looseObject({
    name: z.string().min(1).max(200),
    toolkit: z.string().max(200),
    version: z.string().max(100),
    metadata: z.record(z.string(), z.unknown()).optional(),
  }),
  // Not z.record: it drops a "__proto__" key, and a key the hook never sees could still reach the tool.
  inputs: z.custom<Record<string, unknown>>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), {
    message: 'must be an object',
  }),
  context: z.looseObject({
    user_id: z.string().max(500).optional(),
    authorization: z
      .array(
        z.looseObject({
          provider_id: z.string().optional(),
          oauth2: z
            .looseObject({
              scopes: z.array(z.string()).optional(),
              at: z.record(z.string(), z.unknown()).optional(),
              user_info: z.record(z.string(), z.unknown()).optional(),
            })
            .optional(),
        }),
      )
      .optional(),
    secrets: z.array(z.string()).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type PreHookRequest = z.infer<typeof PreHookRequest>;

export type PreHookResult =
  | { code: 'OK'; override?: { inputs?: Record<string, unknown> } }
  | { code: 'CHECK_FAILED'; error_message: string }
  | { code: 'RATE_LIMIT_EXCEEDED'; error_message: string };

export const PreHookResultSchema = z.strictObject({
  code: z.enum(['OK', 'CHECK_FAILED', 'RATE_LIMIT_EXCEEDED']),
  error_message: z.string().optional(),
  override: z
    .strictObject({ inputs: z.record(z.string(), z.unknown()).optional(), secrets: z.array(z.record(z.string(), z.string())).optional() })
    .optional(),
});
