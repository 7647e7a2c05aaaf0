import { randomUUID } from 'node:crypto';
import { SEED_CONTACTS, SEED_DEALS, type Contact, type Deal } from './data.js';

export type NewContact = Omit<Contact, 'id' | 'restricted'>;

export class DuplicateContactError extends Error {}

/** A restricted record a call would disclose, named for the person who must approve it. */
export interface DisclosedRecord {
  id: string;
  label: string;
}

export interface Listing<T> {
  items: T[];
  /** Restricted records that matched but were left out for want of an approval. */
  withheld: number;
}

const NONE: ReadonlySet<string> = new Set();

/**
 * In-memory CRM records. Each server gets its own copy of the seed data. Restricted records are only
 * returned when the caller holds an approval naming them; the same matching decides what a call *would*
 * disclose, so the hook and the CRM can never disagree about it.
 */
export class CrmStore {
  private readonly contacts: Contact[] = SEED_CONTACTS.map((c) => ({ ...c }));
  private readonly deals: Deal[] = SEED_DEALS.map((d) => ({ ...d }));

  listContacts(query?: string, approved: ReadonlySet<string> = NONE): Listing<Contact> {
    return split(this.matchingContacts(query), approved);
  }

  getContact(id: string): Contact | undefined {
    const found = this.contacts.find((c) => c.id === id);
    return found ? { ...found } : undefined;
  }

  createContact(input: NewContact): Contact {
    if (this.contacts.some((c) => c.email.toLowerCase() === input.email.toLowerCase())) {
      throw new DuplicateContactError(`A contact with email ${input.email} already exists.`);
    }
    const contact: Contact = { id: `c-${randomUUID().slice(0, 8)}`, ...input };
    this.contacts.push(contact);
    return { ...contact };
  }

  listDeals(query?: string, approved: ReadonlySet<string> = NONE): Listing<Deal & { contactName?: string }> {
    return split(this.matchingDeals(query), approved);
  }

  /**
   * The restricted records a tool call would return. An unfiltered listing discloses none (it withholds them);
   * a query that matches one, or a lookup by its id, does.
   */
  restrictedDisclosedBy(tool: string, inputs: Record<string, unknown>): DisclosedRecord[] {
    const text = (key: string) => (typeof inputs[key] === 'string' ? (inputs[key] as string) : undefined);
    let records: Array<Contact | Deal> = [];
    if (tool === 'list_contacts' && text('query')?.trim()) records = this.matchingContacts(text('query'));
    else if (tool === 'get_contact') records = this.contacts.filter((c) => c.id === text('id'));
    else if (tool === 'list_deals' && text('query')?.trim()) records = this.matchingDeals(text('query'));
    return records.filter((r) => r.restricted).map((r) => ({ id: r.id, label: 'company' in r ? `${r.name} (${r.company})` : r.name }));
  }

  /** Case-insensitive match on every text field, so "defence" finds the sector and "aegis" the company. */
  private matchingContacts(query?: string): Contact[] {
    const needle = query?.trim().toLowerCase();
    if (!needle) return this.contacts;
    return this.contacts.filter((c) =>
      [c.name, c.email, c.company, c.sector, c.title].some((field) => field.toLowerCase().includes(needle)),
    );
  }

  private matchingDeals(query?: string): Array<Deal & { contactName?: string }> {
    const needle = query?.trim().toLowerCase();
    const withContact = this.deals.map((d) => ({ ...d, contactName: this.contacts.find((c) => c.id === d.contactId)?.name }));
    if (!needle) return withContact;
    return withContact.filter((d) => [d.name, d.stage, d.contactName ?? ''].some((field) => field.toLowerCase().includes(needle)));
  }
}

function split<T extends { id: string; restricted?: true }>(records: T[], approved: ReadonlySet<string>): Listing<T> {
  const visible = records.filter((r) => !r.restricted || approved.has(r.id));
  return { items: visible.map((r) => ({ ...r })), withheld: records.length - visible.length };
}
