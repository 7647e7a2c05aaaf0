import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { NGROK_ADVICE } from '../../tunnel/ngrok-errors.js';
import { describeSecret, error, ok, type Check } from '../types.js';

/** Where ngrok keeps its config: v3 in the OS config folder, v2 in ~/.ngrok2. */
export function ngrokConfigPaths(env: Record<string, string | undefined>): string[] {
  const home = env.HOME ?? env.USERPROFILE ?? '';
  const paths: string[] = [];
  if (env.XDG_CONFIG_HOME) paths.push(join(env.XDG_CONFIG_HOME, 'ngrok', 'ngrok.yml'));
  if (home) {
    paths.push(join(home, '.config', 'ngrok', 'ngrok.yml'));
    paths.push(join(home, 'Library', 'Application Support', 'ngrok', 'ngrok.yml'));
    if (env.LOCALAPPDATA) paths.push(join(env.LOCALAPPDATA, 'ngrok', 'ngrok.yml'));
    paths.push(join(home, '.ngrok2', 'ngrok.yml'));
  }
  return paths;
}

export const tunnelAuthtoken: Check = {
  id: 'tunnel-authtoken',
  title: 'ngrok authtoken',
  group: 'tunnel',
  modes: ['live'],
  needs: ['tunnel-ngrok'],
  async run(ctx) {
    const fromEnv = ctx.settings.ngrokAuthtoken;
    if (fromEnv) return ok(`NGROK_AUTHTOKEN is ${describeSecret(fromEnv)}`);
    for (const path of ngrokConfigPaths(ctx.settings.env)) {
      if (!existsSync(path)) continue;
      let doc: Record<string, unknown> | undefined;
      try {
        doc = parseYaml(readFileSync(path, 'utf8')) as Record<string, unknown> | undefined;
      } catch {
        continue; // the config check names a broken file
      }
      const agent = doc?.agent as Record<string, unknown> | undefined;
      const v3 = typeof agent?.authtoken === 'string' ? agent.authtoken : undefined;
      const v2 = typeof doc?.authtoken === 'string' ? doc.authtoken : undefined;
      if (v3) return ok(`in ${path} (agent.authtoken, v3 layout): ${describeSecret(v3)}`);
      if (v2) return ok(`in ${path} (top-level authtoken, v2 layout): ${describeSecret(v2)}`);
    }
    const advice = NGROK_ADVICE['4018']!;
    return error(`no authtoken in NGROK_AUTHTOKEN or ngrok's config file: ${advice.problem}`, advice.fix);
  },
};
