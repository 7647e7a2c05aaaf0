import { randomUUID } from 'node:crypto';
import { SEED_CONTACTS, SEED_DEALS, type Contact, type Deal } from './data.js';

export type NewContact = Omit<Contact, 'id'>;

export class DuplicateContactError extends Error {}

/** In-memory CRM records. Each server gets its own copy of the seed data. */
export class CrmStore {
  private readonly contacts: Contact[] = SEED_CONTACTS.map((c) => ({ ...c }));
  private readonly deals: Deal[] = SEED_DEALS.map((d) => ({ ...d }));

  /** Case-insensitive match on every text field, so "defence" finds the sector and "aegis" the company. */
  listContacts(query?: string): Contact[] {
    const needle = query?.trim().toLowerCase();
    if (!needle) return this.contacts.map((c) => ({ ...c }));
    return this.contacts
      .filter((c) => [c.name, c.email, c.company, c.sector, c.title].some((field) => field.toLowerCase().includes(needle)))
      .map((c) => ({ ...c }));
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

  listDeals(): Array<Deal & { contactName?: string }> {
    return this.deals.map((d) => ({ ...d, contactName: this.contacts.find((c) => c.id === d.contactId)?.name }));
  }
}
