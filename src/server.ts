import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createCrmApi } from './crm/api.js';
import type { ApprovalSigner } from './approvals.js';
import type { CrmStore } from './crm/store.js';
import type { TokenValidator } from './crm/token-validator.js';
import type { StackEvents } from './events.js';
import { errorMessage, UserError } from './errors.js';
import { createHookApi, type HookOptions } from './hook/api.js';
import { ArcadeStandIn } from './mcp/arcade-standin.js';
import { createMcpHandler } from './mcp/server.js';
import { requestLog } from './http/request-log.js';
import { VERSION } from './version.js';
import { createWorkerApi } from './worker/api.js';

export interface AppOptions {
  validator: TokenValidator;
  hook: Omit<HookOptions, 'events' | 'restrictedDisclosedBy' | 'approvals'>;
  events: StackEvents;
  store: CrmStore;
  approvals: ApprovalSigner;
  /** The Arcade worker surface: its shared secret (absent: /worker answers 503) and the Duo provider id in Arcade. */
  worker: { secret?: string; providerId: string };
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** How long the stand-in waits for the hook: Arcade's maximum hook timeout, never less than our budget. */
export function standInTimeout(hookTimeoutMs: number): number {
  return Math.max(hookTimeoutMs + 2_000, 30_000);
}

/**
 * One port: the CRM under /api, the hook under /hooks, the Arcade worker under /worker, MCP at /mcp, and /health.
 * The MCP endpoint and the worker reach the CRM (and MCP the hook) over HTTP on this same port, exactly as remote
 * callers would.
 */
export async function startServer(options: AppOptions & { host: string; port: number }): Promise<RunningServer> {
  let baseUrl = '';
  const app = new Hono();
  app.get('/health', (c) => c.json({ status: 'healthy' }));
  app.use('/hooks/*', requestLog(options.events, 'hook'));
  app.use('/worker/*', requestLog(options.events, 'worker'));
  app.route('/api', createCrmApi({ validator: options.validator, store: options.store, approvals: options.approvals }));
  const hook = createHookApi({
    ...options.hook,
    events: options.events,
    approvals: options.approvals,
    restrictedDisclosedBy: (tool, inputs) => options.store.restrictedDisclosedBy(tool, inputs),
  });
  app.route('/hooks', hook.app);
  app.route('/worker', createWorkerApi({ ...options.worker, crmBaseUrl: () => baseUrl, events: options.events }));

  let mcp: ((request: Request) => Promise<Response>) | undefined;
  app.all('/mcp', (c) => {
    if (!mcp) return c.json({ error: 'starting' }, 503);
    return mcp(c.req.raw);
  });
  app.notFound((c) =>
    c.json(
      {
        error: 'not_found',
        message: `Nothing at ${c.req.method} ${c.req.path}. Try /health, /api/contacts, /hooks/pre, /worker/health or /mcp.`,
      },
      404,
    ),
  );
  app.onError((error, c) => {
    options.events.emit('log', { level: 'error', message: `unexpected error on ${c.req.method} ${c.req.path}: ${errorMessage(error)}` });
    return c.json({ error: 'internal_error', message: 'Unexpected server error; see the server log.' }, 500);
  });

  const server = await listen(app, options.host, options.port);
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  baseUrl = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  mcp = createMcpHandler({
    crmBaseUrl: baseUrl,
    gate: new ArcadeStandIn({
      hookUrl: `${baseUrl}/hooks/pre`,
      bearerToken: options.hook.bearerToken,
      timeoutMs: standInTimeout(options.hook.timeoutMs),
      providerId: options.worker.providerId,
    }),
    validator: options.validator,
    events: options.events,
    version: VERSION,
  });
  return {
    url: baseUrl,
    port,
    close: async () => {
      // Pending hook calls get their CHECK_FAILED before the connections go.
      await hook.shutdown();
      await closeServer(server);
    },
  };
}

function listen(app: Hono, hostname: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname, port }) as Server;
    // A half-sent request must not hold a connection for Node's default 5 minutes; responses may take ~30 s (a push).
    server.headersTimeout = 10_000;
    server.requestTimeout = 15_000;
    server.once('listening', () => resolve(server));
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(
          new UserError(`Port ${port} on ${hostname} is already in use.`, 'Stop the other process, or pass --port 0 to pick a free port.'),
        );
      } else if (error.code === 'EACCES') {
        reject(new UserError(`Not allowed to listen on ${hostname}:${port}.`, 'Use a port above 1024, e.g. --port 8000.'));
      } else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') {
        reject(new UserError(`Cannot listen on ${hostname}: no such local address.`, 'Use --host 127.0.0.1.'));
      } else reject(error);
    });
  });
}

/** Stops accepting, lets answers already on their way finish (briefly), then drops what is left. */
export function closeServer(server: Server, graceMs = 1_000): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), graceMs).unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}
