import { execa } from 'execa';
import { findExecutable } from '../../tunnel/ngrok.js';
import { error, ok, skip, type Check, type DoctorContext } from '../types.js';

/** Variables of ours the ngrok binary has no business seeing. */
const WITHHELD = ['DUO_CLIENT_SECRET', 'DUO_AUTH_SKEY', 'HOOK_BEARER_TOKEN', 'ARCADE_WORKER_SECRET', 'ARCADE_API_KEY'];

/** Runs the local ngrok binary with `args`, our secrets withheld from its environment. */
export async function runNgrok(ctx: DoctorContext, args: string[]): Promise<{ exitCode: number; output: string }> {
  const found = findExecutable('ngrok', ctx.settings.env);
  if (!found || 'unusable' in found) throw new Error('ngrok is not on PATH');
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.settings.env)) if (v !== undefined && !WITHHELD.includes(k)) env[k] = v;
  const result = await execa(found.path, args, { env, extendEnv: false, reject: false, cancelSignal: ctx.signal, stdin: 'ignore' });
  return { exitCode: result.exitCode ?? 1, output: `${String(result.stdout)}\n${String(result.stderr)}`.trim() };
}

export function ownTunnel(ctx: DoctorContext): boolean {
  return Boolean(ctx.settings.publicUrl);
}

export const tunnelNgrok: Check = {
  id: 'tunnel-ngrok',
  title: 'ngrok agent',
  group: 'tunnel',
  modes: ['live'],
  async run(ctx) {
    if (ownTunnel(ctx)) return skip('skipped: a public URL is given (PUBLIC_URL or --public-url), so serve starts no ngrok');
    const found = findExecutable('ngrok', ctx.settings.env);
    const install = 'Install ngrok 3 (https://ngrok.com/download, `brew install ngrok`), or run your own tunnel and set PUBLIC_URL.';
    if (!found) return error('ngrok is not on PATH', install);
    if ('unusable' in found) return error(`${found.unusable} is not executable`, `chmod +x ${found.unusable}, or reinstall ngrok.`);
    const { exitCode, output } = await runNgrok(ctx, ['version']);
    const version = /(\d+)\.(\d+)\.(\d+)/.exec(output);
    if (exitCode !== 0 || !version) return error(`\`ngrok version\` failed: ${output.split('\n')[0] ?? ''}`, install);
    if (version[1] !== '3') {
      return error(
        `ngrok ${version[0]} at ${found.path}: duo-arcade needs ngrok 3.x`,
        'Run `ngrok update`, or reinstall from https://ngrok.com/download.',
      );
    }
    return ok(`ngrok ${version[0]} at ${found.path}`);
  },
};
