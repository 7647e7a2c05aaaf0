import { Chalk, type ChalkInstance } from 'chalk';
import ora, { type Ora } from 'ora';

/** Where a command writes, and how: injectable so tests run commands in-process with captured output. */
export interface Terminal {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  cwd: string;
  /** Colours for stderr messages (chalk 5 ignores NO_COLOR, so the level is decided here). */
  colour: ChalkInstance;
  /** Prompts and spinners are allowed: stdin and stderr are terminals and nobody said --yes or CI. */
  interactive: boolean;
}

export function colourLevel(env: Record<string, string | undefined>, isTTY: boolean | undefined): 0 | 1 | 2 | 3 {
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '' || force === 'true' || force === '1') return 1;
    if (force === '0' || force === 'false') return 0;
    if (force === '2') return 2;
    if (force === '3') return 3;
    return 1;
  }
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  if (!isTTY || env.TERM === 'dumb') return 0;
  return env.COLORTERM === 'truecolor' || env.COLORTERM === '24bit' ? 3 : 2;
}

export function processTerminal(): Terminal {
  const env = process.env;
  const isCi = Boolean(env.CI) && env.CI !== 'false' && env.CI !== '0';
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env,
    cwd: process.cwd(),
    colour: new Chalk({ level: colourLevel(env, process.stderr.isTTY) }),
    interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY) && !isCi,
  };
}

export function writeLine(stream: NodeJS.WritableStream, text = ''): void {
  stream.write(`${text}\n`);
}

/** A spinner on stderr that keeps to our colour decision (ora colours its frames whatever NO_COLOR says). */
export function startSpinner(term: Terminal, text: string, prefixText?: string): Ora {
  return ora({ text, prefixText, stream: term.stderr, discardStdin: false, color: term.colour.level > 0 ? 'cyan' : false }).start();
}
