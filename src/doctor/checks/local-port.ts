import { createServer } from 'node:net';
import { error, ok, type Check } from '../types.js';

function tryListen(host: string, port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

export const localPort: Check = {
  id: 'local-port',
  title: 'Port',
  group: 'local',
  async run({ settings, signal }) {
    const { host, port } = settings;
    if (port === 0) return ok('PORT=0: a free port is picked at start');
    const failure = await tryListen(host, port);
    if (!failure) return ok(`${host}:${port} is free for \`duo-arcade serve\``);
    if (failure.code !== 'EADDRINUSE') {
      return error(
        `cannot listen on ${host}:${port}: ${failure.code ?? failure.message}`,
        'Set HOST and PORT to an address this machine can listen on.',
      );
    }
    const health = await fetch(`http://${host.includes(':') ? `[${host}]` : host}:${port}/health`, { signal })
      .then(async (r) => (await r.json()) as { status?: unknown })
      .catch(() => undefined);
    if (health?.status === 'healthy') return ok(`duo-arcade already serves on ${host}:${port}`);
    return error(
      `${host}:${port} is taken by another program`,
      `Stop it (\`lsof -i :${port}\` shows which), or set PORT to a free port (and point the tunnel at it).`,
    );
  },
};
