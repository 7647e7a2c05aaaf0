import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { SCOPES, type Scope } from '../tools.js';
import { HttpProblem, describeIssues, limitBody, readJsonObject } from '../http/problems.js';
import { CrmStore, DuplicateContactError } from './store.js';
import { IntrospectionUnavailableError, InvalidTokenError, type TokenGrant, type TokenValidator } from './token-validator.js';

type CrmEnv = { Variables: { grant: TokenGrant } };

const REALM = 'duo-arcade-crm';

const NewContactBody = z.strictObject({
  name: z.string().trim().min(1, 'required').max(200),
  email: z.email('must be an email address').max(320),
  company: z.string().trim().min(1, 'required').max(200),
  sector: z.string().trim().max(100).optional(),
  title: z.string().trim().max(200).optional(),
  phone: z.string().trim().max(50).optional(),
});

/** The CRM API: every route names the Duo scope it needs, checked against the introspected token. */
export function createCrmApi(options: { validator: TokenValidator; store?: CrmStore }): Hono<CrmEnv> {
  const store = options.store ?? new CrmStore();
  const app = new Hono<CrmEnv>();
  const requireScope = (scope: Scope) => scopeGuard(options.validator, scope);

  app.get('/contacts', requireScope(SCOPES.contactsRead), (c) => {
    const query = c.req.query('query');
    if (query !== undefined && query.length > 500) throw new HttpProblem(400, 'invalid_query', 'query is longer than 500 characters.');
    return c.json({ contacts: store.listContacts(query) });
  });

  app.get('/contacts/:id', requireScope(SCOPES.contactsRead), (c) => {
    const id = c.req.param('id');
    const contact = store.getContact(id);
    if (!contact) throw new HttpProblem(404, 'not_found', `No contact has the id "${id}". List contacts to see the ids.`);
    return c.json({ contact });
  });

  app.post('/contacts', limitBody(), requireScope(SCOPES.contactsWrite), async (c) => {
    const parsed = NewContactBody.safeParse(await readJsonObject(c));
    if (!parsed.success) throw new HttpProblem(400, 'invalid_contact', `Invalid contact: ${describeIssues(parsed.error.issues)}`);
    try {
      const { sector, title, phone, ...rest } = parsed.data;
      const contact = store.createContact({ ...rest, sector: sector ?? 'Unknown', title: title ?? '', ...(phone ? { phone } : {}) });
      return c.json({ contact }, 201);
    } catch (error) {
      if (error instanceof DuplicateContactError) throw new HttpProblem(409, 'duplicate_contact', error.message);
      throw error;
    }
  });

  app.get('/deals', requireScope(SCOPES.dealsRead), (c) => c.json({ deals: store.listDeals() }));

  app.notFound((c) => c.json({ error: 'not_found', message: `No CRM route ${c.req.method} ${c.req.path}.` }, 404));
  app.onError((error, c) => problemResponse(c, error));
  return app;
}

function scopeGuard(validator: TokenValidator, scope: Scope): MiddlewareHandler<CrmEnv> {
  return async (c, next) => {
    const token = bearerToken(c.req.header('authorization'));
    if (!token) {
      c.header('WWW-Authenticate', `Bearer realm="${REALM}", scope="${scope}"`);
      return c.json({ error: 'unauthorized', message: 'Missing bearer token: sign in with Duo and send "Authorization: Bearer <access token>".' }, 401);
    }
    let grant: TokenGrant;
    try {
      grant = await validator.validate(token);
    } catch (error) {
      if (error instanceof InvalidTokenError) {
        c.header('WWW-Authenticate', `Bearer realm="${REALM}", error="invalid_token", error_description="${error.message}"`);
        return c.json({ error: 'invalid_token', message: error.message }, 401);
      }
      if (error instanceof IntrospectionUnavailableError) {
        return c.json({ error: 'introspection_unavailable', message: `Cannot validate the token right now: ${error.message}` }, 503);
      }
      throw error;
    }
    if (!grant.scopes.has(scope)) {
      c.header('WWW-Authenticate', `Bearer realm="${REALM}", error="insufficient_scope", scope="${scope}"`);
      return c.json({ error: 'insufficient_scope', message: `Missing required scope: ${scope}`, required_scope: scope }, 403);
    }
    c.set('grant', grant);
    await next();
  };
}

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

export function problemResponse(c: Context, error: unknown): Response {
  if (error instanceof HttpProblem) return c.json({ error: error.error, message: error.message, ...error.extra }, error.status);
  return c.json({ error: 'internal_error', message: 'The CRM hit an unexpected error; see the server log.' }, 500);
}
