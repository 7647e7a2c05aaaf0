import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';

/**
 * The conformance files, vendored from the team's shared folder (../shared/conformance) so that a clone anywhere
 * can run the tests; test/conformance-copies.test.ts keeps the copies equal to the originals where those exist.
 */
export function conformanceFile(name: string): string {
  return resolve(import.meta.dirname, '..', 'fixtures', 'conformance', name);
}

const schema = JSON.parse(readFileSync(conformanceFile('arcade-pre-hook.schema.json'), 'utf8')) as Record<string, unknown>;
const ajv = new Ajv2020({ strict: false });
ajv.addSchema(schema, 'hook');

/** Validates a hook response body against the conformance schema's PreHookResult. */
export function validatePreHookResult(body: unknown): string[] {
  const validate = ajv.getSchema('hook#/$defs/PreHookResult');
  if (!validate) throw new Error('PreHookResult schema missing');
  return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

export const examplePreHookRequest = (schema.examples as Array<{ request: Record<string, unknown> }>)[0]!.request;
