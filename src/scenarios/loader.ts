import { plainMessage } from '../http/problems.js';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
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
  const asPath = resolve(cwd, nameOrPath);
  const looksLikePath = /[\\/]/.test(nameOrPath) || EXTENSIONS.includes(extname(nameOrPath));
  if (existsSync(asPath) && statSync(asPath).isFile()) return loadScenarioFile(asPath);
  if (existsSync(asPath) && statSync(asPath).isDirectory()) {
    throw new ScenarioFileError(`${asPath} is a folder, not a scenario file.`, 'Pass one .yaml or .json file.', 2);
  }
  if (looksLikePath)
    throw new ScenarioFileError(`Scenario file not found: ${asPath}`, 'Check the path, or pass a built-in name: list, defence, revoke.', 2);
  for (const ext of EXTENSIONS) {
    const path = resolve(BUILT_IN_DIR, `${nameOrPath}${ext}`);
    if (existsSync(path)) return loadScenarioFile(path);
  }
  const known = listBuiltInScenarios().map((s) => s.name);
  throw new ScenarioFileError(
    `There is no scenario called "${nameOrPath}".`,
    `Built-in scenarios: ${known.join(', ')}. Or pass the path of a .yaml or .json file.`,
    2,
  );
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
  if (extname(source) === '.json') {
    try {
      JSON.parse(text);
    } catch (error) {
      const position = /position (\d+)/.exec((error as Error).message)?.[1];
      const where = position ? ` (line ${lineOf(text, Number(position))})` : '';
      throw new ScenarioFileError(`${basename(source)} is not valid JSON${where}.`, `Fix the syntax in ${source}.`);
    }
  }
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const where = first.linePos ? ` (line ${first.linePos[0].line}, column ${first.linePos[0].col})` : '';
    // The library's first line repeats the position after "at line …"; keep only the words.
    const words = first.message
      .split('\n')[0]!
      .replace(/ at line \d+, column \d+:?\s*$/, '')
      .replace(/:\s*$/, '');
    throw new ScenarioFileError(`${basename(source)} is not valid YAML${where}: ${words}`, `Fix the syntax in ${source}.`);
  }
  const result = Scenario.safeParse(doc.toJS());
  if (result.success) return result.data;
  // Every wrong field, so one round of fixes is enough.
  const lines = result.error.issues.map((issue) => {
    const path = issue.path
      .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
      .join('')
      .replace(/^\./, '');
    const line = nearestLine(doc, issue.path as Array<string | number>, text);
    const message = plainMessage(issue.message);
    return `  • ${path || '(top level)'}${line}: ${message}`;
  });
  throw new ScenarioFileError(`${basename(source)} is not a valid scenario:\n${lines.join('\n')}`, `Fix the fields above in ${source}.`);
}

/** The line of the field, or of its closest parent that exists (a missing field is reported where it belongs). */
function nearestLine(doc: ReturnType<typeof parseDocument>, path: Array<string | number>, text: string): string {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = (depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true)) as { range?: [number, number] } | null | undefined;
    if (node?.range) return ` (line ${lineOf(text, node.range[0])})`;
  }
  return '';
}

function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}
