import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { UserError } from '../errors.js';
import { Scenario } from './schema.js';

/** The scenarios that ship with the package, in the order the demo plays them. */
export const BUILT_IN_ORDER = ['list', 'defence', 'revoke'];
export const BUILT_IN_DIR = fileURLToPath(new URL('../../scenarios/', import.meta.url));

const EXTENSIONS = ['.yaml', '.yml', '.json'];

export class ScenarioFileError extends UserError {}

export function listBuiltInScenarios(): Scenario[] {
  const files = existsSync(BUILT_IN_DIR) ? readdirSync(BUILT_IN_DIR).filter((f) => EXTENSIONS.includes(extname(f))) : [];
  const scenarios = files.map((file) => loadScenarioFile(resolve(BUILT_IN_DIR, file)));
  const rank = (name: string) => (BUILT_IN_ORDER.includes(name) ? BUILT_IN_ORDER.indexOf(name) : BUILT_IN_ORDER.length);
  return scenarios.sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}

/** A built-in name (`defence`) or a path to a YAML/JSON file. */
export function resolveScenario(nameOrPath: string, cwd: string): Scenario {
  const looksLikePath = /[\\/]/.test(nameOrPath) || EXTENSIONS.includes(extname(nameOrPath));
  if (looksLikePath) {
    const path = resolve(cwd, nameOrPath);
    if (!existsSync(path)) throw new ScenarioFileError(`Scenario file not found: ${path}`);
    return loadScenarioFile(path);
  }
  for (const ext of EXTENSIONS) {
    const path = resolve(BUILT_IN_DIR, `${nameOrPath}${ext}`);
    if (existsSync(path)) return loadScenarioFile(path);
  }
  const known = listBuiltInScenarios().map((s) => s.name);
  throw new ScenarioFileError(`There is no scenario called "${nameOrPath}".`, `Built-in scenarios: ${known.join(', ')}. Or pass a path to a .yaml file.`, 2);
}

export function loadScenarioFile(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ScenarioFileError(`Cannot read scenario file ${path}: ${(error as Error).message}`);
  }
  return parseScenario(text, path);
}

/** Parses YAML (JSON is YAML too) and validates it, naming every wrong field with its line when we know it. */
export function parseScenario(text: string, source: string): Scenario {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    throw new ScenarioFileError(`${basename(source)} is not valid YAML/JSON: ${first.message.split('\n')[0]}`, `Fix the syntax in ${source}.`);
  }
  const result = Scenario.safeParse(doc.toJS());
  if (result.success) return result.data;
  const lines = result.error.issues.slice(0, 10).map((issue) => {
    const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
    const node = doc.getIn(issue.path as Array<string | number>, true) as { range?: [number, number] } | undefined;
    const line = node?.range ? ` (line ${lineOf(text, node.range[0])})` : '';
    return `  • ${path || '(top level)'}${line}: ${issue.message}`;
  });
  const more = result.error.issues.length > 10 ? `\n  … and ${result.error.issues.length - 10} more` : '';
  throw new ScenarioFileError(`${basename(source)} is not a valid scenario:\n${lines.join('\n')}${more}`, `Fix the fields above in ${source}.`);
}

function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}
