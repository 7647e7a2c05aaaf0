import { existsSync } from 'node:fs';
import { redactNgrokText } from '../../tunnel/ngrok-errors.js';
import { error, ok, type Check } from '../types.js';
import { ngrokConfigPaths } from './tunnel-authtoken.js';
import { runNgrok } from './tunnel-ngrok.js';

export const tunnelConfig: Check = {
  id: 'tunnel-config',
  title: 'ngrok config file',
  group: 'tunnel',
  modes: ['live'],
  needs: ['tunnel-ngrok'],
  async run(ctx) {
    if (!ngrokConfigPaths(ctx.settings.env).some((path) => existsSync(path))) {
      return ok('no ngrok config file: nothing to check (the authtoken comes from NGROK_AUTHTOKEN)');
    }
    const { exitCode, output } = await runNgrok(ctx, ['config', 'check']);
    const said = redactNgrokText(output, [ctx.settings.ngrokAuthtoken])
      .split('\n')
      .map((line) => line.replace(/^ERROR:\s*/, '').trim())
      .filter(Boolean)
      .join(' ');
    if (exitCode === 0) return ok(said || '`ngrok config check` passes');
    return error(
      `\`ngrok config check\` fails: ${said.slice(0, 300)}`,
      /version/i.test(said)
        ? 'Run `ngrok config upgrade` to add the version and move to the v3 layout.'
        : 'Fix the file ngrok names (`ngrok config edit`).',
    );
  },
};
