import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { APPROVAL_HEADER, type ApprovalSigner } from '../approvals.js';
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
export function createCrmApi(options: { validator: TokenValidator; approvals: ApprovalSigner; store?: CrmStore }): Hono<CrmEnv> {
  const store = options.store ?? new CrmStore();
  const app = new Hono<CrmEnv>();
  const requireScope = (scope: Scope) => scopeGuard(options.validator, scope);
  /** Restricted record ids the request's Duo approval covers (none without a valid one for this tool). */
  const approvedRecords = async (c: Context, tool: string): Promise<ReadonlySet<string>> => {
    const token = c.req.header(APPROVAL_HEADER);
    return (token && (await options.approvals.redeem(token, tool))) || new Set();
  };

  app.get('/contacts', requireScope(SCOPES.contactsRead), async (c) => {
    const { items, withheld } = store.listContacts(queryParam(c), await approvedRecords(c, 'list_contacts'));
    return c.json({ contacts: items, ...withheldNote(withheld, 'contact') });
  });

  app.get('/contacts/:id', requireScope(SCOPES.contactsRead), async (c) => {
    const id = c.req.param('id');
    const contact = store.getContact(id);
    if (!contact) throw new HttpProblem(404, 'not_found', `No contact has the id "${id}". List contacts to see the ids.`);
    if (contact.restricted && !(await approvedRecords(c, 'get_contact')).has(id)) {
      throw new HttpProblem(
        403,
        'approval_required',
        `Contact ${id} is restricted: it is only disclosed with a Duo approval for this request.`,
      );
    }
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

  app.get('/deals', requireScope(SCOPES.dealsRead), async (c) => {
    const { items, withheld } = store.listDeals(queryParam(c), await approvedRecords(c, 'list_deals'));
    return c.json({ deals: items, ...withheldNote(withheld, 'deal') });
  });

  app.notFound((c) => c.json({ error: 'not_found', message: `No CRM route ${c.req.method} ${c.req.path}.` }, 404));
  app.onError((error, c) => problemResponse(c, error));
  return app;
}

function queryParam(c: Context): string | undefined {
  const query = c.req.query('query');
  if (query !== undefined && query.length > 500) throw new HttpProblem(400, 'invalid_query', 'query is longer than 500 characters.');
  return query;
}

/**
 * Says what an unfiltered listing left out and how to ask for it, so "list everything" stays instant and honest.
 * Filtered listings say nothing: a count per query would tell, letter by letter, what the restricted records say.
 */
function withheldNote(count: number, noun: string): { withheld?: { count: number; message: string } } {
  if (count === 0) return {};
  const what = `${count} restricted ${noun}${count === 1 ? ' was' : 's were'} withheld`;
  return { withheld: { count, message: `${what}: ask for ${count === 1 ? 'it' : 'them'} by name or id to request a Duo approval.` } };
}

function scopeGuard(validator: TokenValidator, scope: Scope): MiddlewareHandler<CrmEnv> {
  return async (c, next) => {
    const token = bearerToken(c.req.header('authorization'));
    if (!token) {
      c.header('WWW-Authenticate', `Bearer realm="${REALM}", scope="${scope}"`);
      return c.json(
        { error: 'unauthorized', message: 'Missing bearer token: sign in with Duo and send "Authorization: Bearer <access token>".' },
        401,
      );
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
