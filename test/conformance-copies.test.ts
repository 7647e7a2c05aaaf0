import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { conformanceFile } from './support/contract.js';

// The team's originals sit beside the repository on a development machine; a clone elsewhere has only the copies.
const originals = resolve(import.meta.dirname, '..', '..', 'shared', 'conformance');

describe('vendored conformance files', () => {
  it('are present and parse as JSON', () => {
    for (const name of ['duo-signing.json', 'arcade-pre-hook.schema.json']) {
      expect(() => JSON.parse(readFileSync(conformanceFile(name), 'utf8')) as unknown, name).not.toThrow();
    }
  });

  it.skipIf(!existsSync(originals))('match the shared originals byte for byte', () => {
    const names = readdirSync(originals).filter((name) => name.endsWith('.json'));
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      expect(readFileSync(conformanceFile(name), 'utf8'), name).toBe(readFileSync(resolve(originals, name), 'utf8'));
    }
  });
});
