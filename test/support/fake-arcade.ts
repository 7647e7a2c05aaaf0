import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { DEFAULT_ARCADE_REDIRECT_URI } from '../../src/doctor/duo.js';
import { toolDefinitions } from '../../src/worker/definitions.js';

export const ARCADE_KEY = 'arc_test_0123456789abcdefghijklmnop';

/** Arcade's admin records as the fake serves them (PROTOCOLS.md §5); tests edit them to inject each mistake. */
export interface ArcadeRecords {
  provider?: Record<string, any>;
  plugins: Record<string, any>[];
  hooks: Record<string, any>[];
  workers: Record<string, any>[];
  workerHealth: Record<string, { healthy: boolean; message?: string }>;
  workerTools: Record<string, unknown[]>;
}

/** Everything set up right for a Duo issuer and a public URL. */
export function cleanRecords(options: { issuer: string; publicUrl: string; providerId?: string }): ArcadeRecords {
  const providerId = options.providerId ?? 'cisco-duo-oidc';
  return {
    provider: {
      id: providerId,
      type: 'oauth2',
      status: 'active',
      redirect_uri: DEFAULT_ARCADE_REDIRECT_URI,
      oauth2: {
        client_id: 'DIDOCTORCLIENT000001',
        client_secret: { exists: true, hint: '…abcd' },
        authorize_request: { endpoint: `${options.issuer}/authorize` },
        token_request: { endpoint: `${options.issuer}/token` },
        refresh_request: { endpoint: `${options.issuer}/token` },
        pkce: { enabled: true, code_challenge_method: 'S256' },
      },
    },
    plugins: [
      {
        id: 'plg_duo',
        name: 'duo-stepup',
        status: 'active',
        health_status: 'healthy',
        webhook_config: { endpoints: { pre: { url: `${options.publicUrl}/hooks/pre` } } },
        auth: { type: 'bearer', token: { exists: true } },
      },
    ],
    hooks: [
      { id: 'hk_1', plugin_id: 'plg_duo', hook_point: 'tool.pre', status: 'active', failure_mode: 'fail_closed', timeout_ms: 30_000 },
    ],
    workers: [{ id: 'duocrm', enabled: true, type: 'http', http: { uri: options.publicUrl } }],
    workerHealth: { duocrm: { healthy: true, message: 'ok' } },
    workerTools: { duocrm: toolDefinitions(providerId) },
  };
}

export interface FakeArcade {
  url: string;
  records: ArcadeRecords;
  close(): Promise<void>;
}

export async function startFakeArcade(records: ArcadeRecords): Promise<FakeArcade> {
  const app = new Hono();
  app.use('/v1/*', async (c, next) => {
    if (c.req.header('authorization') !== `Bearer ${ARCADE_KEY}`) return c.json({ name: 'unauthorized', message: 'Invalid API key' }, 401);
    await next();
  });
  const page = (list: unknown[]) => ({ items: list, total_count: list.length, limit: 100, offset: 0 });
  app.get('/v1/health', (c) => c.json({ healthy: true }));
  app.get('/v1/tools', (c) => c.json(page([])));
  app.get('/v1/admin/auth_providers/:id', (c) =>
    fake.records.provider && fake.records.provider.id === c.req.param('id')
      ? c.json(fake.records.provider)
      : c.json({ message: 'not found' }, 404),
  );
  app.get('/v1/plugins', (c) => c.json(page(fake.records.plugins)));
  app.get('/v1/hooks', (c) => c.json(page(fake.records.hooks.filter((h) => h.plugin_id === c.req.query('plugin_id')))));
  app.get('/v1/workers', (c) => c.json(page(fake.records.workers)));
  app.get('/v1/workers/:id/health', (c) => {
    const health = fake.records.workerHealth[c.req.param('id')];
    return health ? c.json(health) : c.json({ message: 'not found' }, 404);
  });
  app.get('/v1/workers/:id/tools', (c) => c.json(page(fake.records.workerTools[c.req.param('id')] ?? [])));
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }) as Server;
    s.once('listening', () => resolve(s));
  });
  const fake: FakeArcade = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    records,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return fake;
}
