import { toolDefinitions } from '../../worker/definitions.js';
import { arcadeGet, describeStatus } from '../arcade.js';
import { dig, items, record, text } from '../http.js';
import { currentPublicUrl } from '../public-url.js';
import { error, ok, warn, type Check } from '../types.js';

const trim = (url: string) => url.replace(/\/+$/, '');

export const arcadeWorker: Check = {
  id: 'arcade-worker',
  title: 'Worker (server)',
  group: 'arcade',
  modes: ['live'],
  needs: ['arcade-key'],
  network: true,
  async run(ctx) {
    const answer = await arcadeGet(ctx, '/v1/workers');
    if (answer.status !== 200)
      return error(`GET /v1/workers answered ${describeStatus(answer)}`, "Check the API key's project and permissions.");
    const workers = items(answer.body).map((raw) => ({ id: text(raw.id) ?? '', uri: text(dig(raw, 'http.uri')) ?? text(raw.uri), raw }));
    const current = await currentPublicUrl(ctx);
    const register = `Register it in the Arcade dashboard (Servers → Add server, type Arcade) with URL ${current?.url ?? '<public URL>'} and ARCADE_WORKER_SECRET as its secret.`;
    const worker =
      (current && workers.find((w) => w.uri && trim(w.uri) === current.url)) ?? (workers.length === 1 ? workers[0] : undefined);
    if (!worker) {
      if (workers.length === 0) return error('no server is registered in Arcade', register);
      // Several servers and no public URL to tell ours by: we cannot say ours is missing.
      if (!current)
        return warn(
          `${workers.length} servers are registered and none can be told apart as ours without the public URL`,
          'Pass --public-url (or set PUBLIC_URL), or run doctor while `duo-arcade serve` holds its tunnel, to check ours.',
        );
      return error(`none of the ${workers.length} servers points at ${current.url}`, register);
    }
    const problems: string[] = [];
    const fixes: string[] = [];
    if (current && worker.uri && trim(worker.uri) !== current.url) {
      problems.push(`server "${worker.id}" points at ${worker.uri}, not the current ${current.url}`);
      fixes.push(`Edit the server's URL to ${current.url}.`);
    }
    const id = encodeURIComponent(worker.id);
    const health = await arcadeGet(ctx, `/v1/workers/${id}/health`);
    const healthy = record(health.body).healthy;
    if (health.status !== 200 || healthy !== true) {
      const message = text(record(health.body).message);
      problems.push(`Arcade finds it unhealthy${message ? `: ${message}` : ` (${describeStatus(health)})`}`);
      fixes.push("Start `duo-arcade serve --live` with ARCADE_WORKER_SECRET equal to the server's secret in Arcade.");
    }
    const tools = await arcadeGet(ctx, `/v1/workers/${id}/tools`);
    if (tools.status === 200) {
      const registered = new Map(items(tools.body).map((t) => [text(t.fully_qualified_name) ?? text(t.name) ?? '', t]));
      const wrong: string[] = [];
      for (const expected of toolDefinitions(ctx.settings.providerId)) {
        const tool = registered.get(expected.fully_qualified_name) ?? registered.get(expected.name);
        if (!tool) {
          wrong.push(`${expected.fully_qualified_name} missing`);
          continue;
        }
        const scopes = dig(tool, 'requirements.authorization.oauth2.scopes');
        const provider = text(dig(tool, 'requirements.authorization.id')) ?? text(dig(tool, 'requirements.authorization.provider_id'));
        const want = expected.requirements.authorization.oauth2.scopes;
        if (!Array.isArray(scopes) || want.some((s) => !scopes.includes(s))) wrong.push(`${expected.name} lacks scope ${want.join(' ')}`);
        else if (provider !== ctx.settings.providerId) wrong.push(`${expected.name} requires provider ${provider ?? 'none'}`);
      }
      if (wrong.length > 0) {
        problems.push(`its tools differ from ours: ${wrong.join(', ')}`);
        fixes.push("Restart `serve` with the same ARCADE_PROVIDER_ID, then refresh the server's tools in Arcade.");
      }
    }
    if (problems.length > 0) return error(problems.join('; '), fixes.join(' '));
    return ok(
      `server "${worker.id}" at ${worker.uri ?? '?'} is healthy; its tools require ${ctx.settings.providerId} with the expected scopes`,
    );
  },
};
