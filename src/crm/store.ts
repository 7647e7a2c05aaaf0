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
  /** Restricted records left out of an unfiltered listing for want of an approval (0 for filtered ones). */
  withheld: number;
}

/** Words too common in company names to name one. */
const GENERIC_WORDS = new Set([
  'the',
  'and',
  'of',
  'inc',
  'ltd',
  'llc',
  'co',
  'corp',
  'company',
  'group',
  'systems',
  'solutions',
  'services',
  'technologies',
  'international',
  'global',
  'holdings',
  'partners',
  'example',
]);

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
    return split(this.matchingContacts(query), approved, Boolean(query?.trim()));
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
    return split(this.matchingDeals(query), approved, Boolean(query?.trim()));
  }

  /**
   * The restricted records a tool call asks for by name, which therefore need an approval: `get_contact` on a
   * restricted id, or a query naming a restricted record (its person, company, sector, id or email). A query
   * that merely overlaps one ("fen", "director") asks for nothing: it runs at once and the CRM leaves the
   * record out, so fragments never reveal what a restricted record says.
   */
  restrictedDisclosedBy(tool: string, inputs: Record<string, unknown>): DisclosedRecord[] {
    const text = (key: string) => (typeof inputs[key] === 'string' ? (inputs[key] as string) : undefined);
    const restrictedContacts = this.contacts.filter((c) => c.restricted);
    let named: Array<Contact | Deal> = [];
    if (tool === 'get_contact') {
      const id = text('id')?.trim().toLowerCase();
      named = restrictedContacts.filter((c) => c.id === id);
    } else if (tool === 'list_contacts' && text('query')?.trim()) {
      const words = wordsOf(text('query')!);
      named = restrictedContacts.filter((c) => namesContact(words, c));
    } else if (tool === 'list_deals' && text('query')?.trim()) {
      const words = wordsOf(text('query')!);
      named = this.deals.filter((d) => {
        const contact = this.contacts.find((c) => c.id === d.contactId);
        const namesDeal = identifyingWords(d.id, d.name).some((w) => words.has(w));
        return d.restricted && (namesDeal || (contact !== undefined && namesContact(words, contact)));
      });
    }
    return named.map((r) => ({ id: r.id, label: 'company' in r ? `${r.name} (${r.company})` : r.name }));
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

function split<T extends { id: string; restricted?: true }>(records: T[], approved: ReadonlySet<string>, filtered: boolean): Listing<T> {
  const visible = records.filter((r) => !r.restricted || approved.has(r.id));
  return { items: visible.map((r) => ({ ...r })), withheld: filtered ? 0 : records.length - visible.length };
}

/** Lower-case words, accents removed, a trailing possessive or plural "s" dropped ("Aegis's" → "aegis"). */
function wordsOf(text: string): Set<string> {
  const words = text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .split(/[^a-z0-9@.-]+/)
    .map((w) => w.replace(/^[.-]+|[.-]+$/g, ''))
    .filter(Boolean);
  return new Set(words.flatMap((w) => [w, w.replace(/'?s$/, ''), ...w.split(/[@.-]/).filter((part) => part.length >= 3)]));
}

/** The words that name a record: distinctive words of its fields, its id, its email and the email's parts. */
function identifyingWords(...fields: string[]): string[] {
  return fields.flatMap((field) => [...wordsOf(field)].filter((w) => w.length >= 3 && !GENERIC_WORDS.has(w)));
}

function namesContact(words: ReadonlySet<string>, contact: Contact): boolean {
  return identifyingWords(contact.id, contact.name, contact.company, contact.sector, contact.email).some((w) => words.has(w));
}
