/**
 * Decides whether a tool call needs step-up: any string in its inputs (searched recursively) that contains a
 * sensitive term. Text is normalised first (NFKC, case folded, accents and invisible characters removed) so
 * "Défense" and "DEFENCE" match the same as "defence".
 */
export interface SensitivityMatch {
  term: string;
  /** Dotted path of the input that matched, e.g. "query" or "filters.0.sector". */
  path: string;
  /** The original value (for the push context). */
  value: string;
}

const MAX_DEPTH = 8;
const MAX_STRINGS = 1000;

export function normaliseText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[\u200B-\u200F\u202A-\u202E\u2060-\u2064\uFEFF]/g, '')
    .normalize('NFKC')
    .toLowerCase();
}

export function findSensitiveInput(inputs: unknown, terms: readonly string[]): SensitivityMatch | undefined {
  const normalisedTerms = terms.map((term) => ({ term, needle: normaliseText(term) })).filter((t) => t.needle.length > 0);
  let seen = 0;
  const visit = (value: unknown, path: string, depth: number): SensitivityMatch | undefined => {
    if (typeof value === 'string') {
      seen += 1;
      const haystack = normaliseText(value);
      const hit = normalisedTerms.find((t) => haystack.includes(t.needle));
      return hit ? { term: hit.term, path: path || '(input)', value } : undefined;
    }
    if (depth >= MAX_DEPTH || seen >= MAX_STRINGS || typeof value !== 'object' || value === null) return undefined;
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    for (const [key, child] of entries) {
      // Keys are model-controlled too: a term hidden in a key counts.
      const keyHit = visit(key, path ? `${path}.${key}` : key, MAX_DEPTH);
      if (keyHit) return keyHit;
      const hit = visit(child, path ? `${path}.${key}` : key, depth + 1);
      if (hit) return hit;
    }
    return undefined;
  };
  return visit(inputs, '', 0);
}

/** Inputs too deep or too wide to inspect fully cannot be cleared: the hook treats them as sensitive. */
export function isTooComplexToInspect(inputs: unknown): boolean {
  let strings = 0;
  const walk = (value: unknown, depth: number): boolean => {
    if (typeof value === 'string') return ++strings > MAX_STRINGS;
    if (typeof value !== 'object' || value === null) return false;
    if (depth >= MAX_DEPTH) return true;
    const children = Array.isArray(value) ? value : Object.values(value);
    return children.some((child) => walk(child, depth + 1));
  };
  return walk(inputs, 0);
}
