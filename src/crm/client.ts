import { APPROVAL_HEADER } from '../approvals.js';
import type { Contact, Deal } from './data.js';
import type { NewContact } from './store.js';

/** A CRM answer that was not 2xx, with the CRM's own message (e.g. "Missing required scope: crm.deals.read"). */
export class CrmError extends Error {
  override readonly name = 'CrmError';
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface Withheld {
  count: number;
  message: string;
}

/** HTTP client for our CRM API, called by the tools with the caller's Duo access token. */
export class CrmClient {
  constructor(
    private readonly baseUrl: string,
    private readonly accessToken: string | undefined,
    /** The hook's signed approval for this call, when Duo approved disclosing restricted records. */
    private readonly approval?: string,
    private readonly timeoutMs = 15_000,
  ) {}

  listContacts(query?: string): Promise<{ contacts: Contact[]; withheld?: Withheld }> {
    const q = query ? `?query=${encodeURIComponent(query)}` : '';
    return this.request('GET', `/api/contacts${q}`);
  }

  getContact(id: string): Promise<{ contact: Contact }> {
    return this.request('GET', `/api/contacts/${encodeURIComponent(id)}`);
  }

  createContact(input: NewContact): Promise<{ contact: Contact }> {
    return this.request('POST', '/api/contacts', input);
  }

  listDeals(query?: string): Promise<{ deals: Deal[]; withheld?: Withheld }> {
    const q = query ? `?query=${encodeURIComponent(query)}` : '';
    return this.request('GET', `/api/deals${q}`);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.accessToken) headers.authorization = `Bearer ${this.accessToken}`;
    if (this.approval) headers[APPROVAL_HEADER] = this.approval;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(new URL(path, this.baseUrl), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new CrmError(0, `The CRM could not be reached: ${(error as Error).message}`);
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      throw new CrmError(response.status, `The CRM answered ${response.status} with a body that is not JSON.`);
    }
    if (!response.ok) {
      const payload = json as { message?: unknown; error?: unknown };
      const message = typeof payload.message === 'string' ? payload.message : `CRM request failed with HTTP ${response.status}`;
      throw new CrmError(response.status, message, typeof payload.error === 'string' ? payload.error : undefined);
    }
    return json as T;
  }
}
