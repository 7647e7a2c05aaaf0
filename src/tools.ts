import { z } from 'zod';
import type { CrmClient } from './crm/client.js';

/**
 * The one list of CRM tools. The MCP server, the Arcade stand-in, the hook and the docs all read it,
 * so a tool's name, Duo scope and inputs are declared exactly once.
 */

export const SCOPES = {
  contactsRead: 'crm.contacts.read',
  contactsWrite: 'crm.contacts.write',
  dealsRead: 'crm.deals.read',
} as const;
export type Scope = (typeof SCOPES)[keyof typeof SCOPES];
export const ALL_SCOPES: readonly Scope[] = Object.values(SCOPES);

/** Toolkit name as Arcade shows it (alphanumeric, PascalCase). */
export const TOOLKIT = { name: 'DuoCrm', version: '1.0.0', description: 'A small CRM whose every call is governed by Cisco Duo.' } as const;

export interface CrmTool<Shape extends z.ZodRawShape = z.ZodRawShape> {
  /** MCP name, snake_case. */
  name: string;
  /** Arcade name, PascalCase (what Arcade sends to the hook as tool.name). */
  arcadeName: string;
  title: string;
  description: string;
  /** The Duo scope the CRM requires for this tool. */
  scope: Scope;
  readOnly: boolean;
  inputShape: Shape;
  run(crm: CrmClient, input: z.infer<z.ZodObject<Shape>>): Promise<unknown>;
}

function defineTool<Shape extends z.ZodRawShape>(tool: CrmTool<Shape>): CrmTool {
  return tool as unknown as CrmTool;
}

export const TOOLS: readonly CrmTool[] = [
  defineTool({
    name: 'list_contacts',
    arcadeName: 'ListContacts',
    title: 'List contacts',
    description: 'List CRM contacts, optionally filtered by a search query (name, company, sector, email or title).',
    scope: SCOPES.contactsRead,
    readOnly: true,
    inputShape: {
      query: z.string().max(500).optional().describe('Free-text filter, e.g. "defence" or "Bluepeak". Omit to list everyone.'),
    },
    run: (crm, input) => crm.listContacts(input.query),
  }),
  defineTool({
    name: 'get_contact',
    arcadeName: 'GetContact',
    title: 'Get a contact',
    description: 'Fetch one CRM contact by its id (e.g. "c-001").',
    scope: SCOPES.contactsRead,
    readOnly: true,
    inputShape: {
      id: z.string().min(1).max(100).describe('Contact id, e.g. "c-001".'),
    },
    run: (crm, input) => crm.getContact(input.id),
  }),
  defineTool({
    name: 'create_contact',
    arcadeName: 'CreateContact',
    title: 'Create a contact',
    description: 'Add a contact to the CRM.',
    scope: SCOPES.contactsWrite,
    readOnly: false,
    inputShape: {
      name: z.string().min(1).max(200).describe('Full name.'),
      email: z.email().max(320).describe('Email address (unique).'),
      company: z.string().min(1).max(200).describe('Company name.'),
      sector: z.string().max(100).optional().describe('Industry sector.'),
      title: z.string().max(200).optional().describe('Job title.'),
      phone: z.string().max(50).optional().describe('Phone number.'),
    },
    run: (crm, input) =>
      crm.createContact({
        name: input.name,
        email: input.email,
        company: input.company,
        sector: input.sector ?? 'Unknown',
        title: input.title ?? '',
        ...(input.phone ? { phone: input.phone } : {}),
      }),
  }),
  defineTool({
    name: 'list_deals',
    arcadeName: 'ListDeals',
    title: 'List deals',
    description: 'List the open and closed deals in the CRM pipeline, optionally filtered by a search query (deal, contact or stage).',
    scope: SCOPES.dealsRead,
    readOnly: true,
    inputShape: {
      query: z.string().max(500).optional().describe('Free-text filter, e.g. "Bluepeak" or "negotiation". Omit to list every deal.'),
    },
    run: (crm, input) => crm.listDeals(input.query),
  }),
];

/** Finds a tool by MCP name, Arcade name, `Toolkit.Name` or `Toolkit_Name`, ignoring case and separators. */
export function findTool(name: string): CrmTool | undefined {
  let key = normaliseToolName(name.includes('.') ? name.slice(name.lastIndexOf('.') + 1) : name);
  const toolkit = normaliseToolName(TOOLKIT.name);
  if (key.startsWith(toolkit) && key !== toolkit) key = key.slice(toolkit.length);
  return TOOLS.find((tool) => normaliseToolName(tool.name) === key);
}

export function normaliseToolName(name: string): string {
  return name.replace(/[^a-z0-9]/gi, '').toLowerCase();
}
