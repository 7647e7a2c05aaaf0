/**
 * Decides whether a tool call needs step-up: any string in its inputs (keys too, searched recursively) that
 * contains a sensitive term. Text is normalised first (NFKC, case folded, accents and invisible characters
 * removed) so "Défense" and "DEFENCE" match the same as "defence". Inputs too deep or too large to inspect
 * fully are "incomplete", which the hook treats as sensitive: what we could not read, we do not clear.
 */
export type SensitivityVerdict =
  | { kind: 'clear' }
  | { kind: 'match'; term: string; /** Dotted path of the input, e.g. "query" or "filters.0.sector". */ path: string; value: string }
  | { kind: 'incomplete'; why: string };

const MAX_DEPTH = 8;
/** Every key, index and value counts, so padding cannot push a term out of sight. */
const MAX_NODES = 5000;

export function normaliseText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[\u200B-\u200F\u202A-\u202E\u2060-\u2064\uFEFF]/g, '')
    .normalize('NFKC')
    .toLowerCase();
}

export function inspectInputs(inputs: unknown, terms: readonly string[]): SensitivityVerdict {
  const needles = terms.map((term) => ({ term, needle: normaliseText(term) })).filter((t) => t.needle.length > 0);
  let nodes = 0;
  let incomplete: string | undefined;

  const matchText = (text: string, path: string): SensitivityVerdict | undefined => {
    const haystack = normaliseText(text);
    const hit = needles.find((t) => haystack.includes(t.needle));
    return hit ? { kind: 'match', term: hit.term, path: path || '(input)', value: text } : undefined;
  };

  const visit = (value: unknown, path: string, depth: number): SensitivityVerdict | undefined => {
    if (++nodes > MAX_NODES) {
      incomplete ??= `more than ${MAX_NODES} values`;
      return undefined;
    }
    if (typeof value === 'string') return matchText(value, path);
    if (typeof value !== 'object' || value === null) return undefined;
    if (depth >= MAX_DEPTH) {
      incomplete ??= `nested deeper than ${MAX_DEPTH} levels`;
      return undefined;
    }
    const entries: Array<[string, unknown]> = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
    for (const [key, child] of entries) {
      const childPath = path ? `${path}.${key}` : key;
      // Keys are model-controlled too: a term hidden in a key counts.
      const hit = (Array.isArray(value) ? undefined : matchText(key, childPath)) ?? visit(child, childPath, depth + 1);
      if (hit) return hit;
      if (incomplete) return undefined;
    }
    return undefined;
  };

  const hit = visit(inputs, '', 0);
  if (hit) return hit;
  if (incomplete) return { kind: 'incomplete', why: incomplete };
  return { kind: 'clear' };
}
