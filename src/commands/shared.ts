import { loadConfig, parseModeFlags, type Config, type ConfigFlags } from '../config.js';
import type { Terminal } from '../ui/terminal.js';

export interface ModeOptions {
  local?: boolean;
  live?: boolean;
  port?: string;
  host?: string;
}

export function configFromOptions(term: Terminal, options: ModeOptions, defaults: Partial<ConfigFlags> = {}): Config {
  return loadConfig({
    env: term.env,
    cwd: term.cwd,
    flags: {
      mode: parseModeFlags(options),
      port: options.port ?? defaults.port,
      host: options.host ?? defaults.host,
    },
  });
}

/** Resolves on the first SIGINT/SIGTERM (or when `signal` aborts), and stops listening afterwards. */
export function untilSignal(signal?: AbortSignal): Promise<NodeJS.Signals | 'abort'> {
  return new Promise((resolve) => {
    const done = (why: NodeJS.Signals | 'abort') => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      signal?.removeEventListener('abort', onAbort);
      resolve(why);
    };
    const onInt = () => done('SIGINT');
    const onTerm = () => done('SIGTERM');
    const onAbort = () => done('abort');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Aborts the controller on SIGINT/SIGTERM while `run` is in progress. */
export async function withInterrupt<T>(run: (interrupt: AbortController) => Promise<T>): Promise<T> {
  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await run(interrupt);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
