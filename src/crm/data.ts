/** The CRM's seed data: in memory, fresh for every process, so every demo run starts the same. */

export interface Contact {
  id: string;
  name: string;
  email: string;
  company: string;
  sector: string;
  title: string;
  phone?: string;
  /** A restricted record never leaves the CRM without a Duo approval for that call. */
  restricted?: true;
}

export interface Deal {
  id: string;
  contactId: string;
  name: string;
  amount: number;
  currency: 'USD';
  stage: 'prospecting' | 'proposal' | 'negotiation' | 'closed-won' | 'closed-lost';
  restricted?: true;
}

export const SEED_CONTACTS: readonly Contact[] = [
  {
    id: 'c-001',
    name: 'Ava Thompson',
    email: 'ava.thompson@northwindhealth.example',
    company: 'Northwind Health',
    sector: 'Healthcare',
    title: 'CIO',
    phone: '+1 415 555 0101',
  },
  {
    id: 'c-002',
    name: 'Marcus Lee',
    email: 'marcus.lee@bluepeakbank.example',
    company: 'Bluepeak Bank',
    sector: 'Financial services',
    title: 'Head of Security',
    phone: '+1 212 555 0102',
  },
  {
    id: 'c-003',
    name: 'Priya Nair',
    email: 'priya.nair@lumenretail.example',
    company: 'Lumen Retail',
    sector: 'Retail',
    title: 'VP Engineering',
    phone: '+1 312 555 0103',
  },
  {
    id: 'c-004',
    name: 'Riley Vance',
    email: 'riley.vance@aegisdefence.example',
    company: 'Aegis Defence Systems',
    sector: 'Defence',
    title: 'Program Director',
    phone: '+1 703 555 0104',
    restricted: true,
  },
  {
    id: 'c-005',
    name: 'Sofia García',
    email: 'sofia.garcia@verdeenergy.example',
    company: 'Verde Energy',
    sector: 'Energy',
    title: 'CTO',
    phone: '+34 91 555 0105',
  },
  {
    id: 'c-006',
    name: 'Daniel Okafor',
    email: 'daniel.okafor@kiteworks-logistics.example',
    company: 'Kite Logistics',
    sector: 'Logistics',
    title: 'Operations Lead',
    phone: '+44 20 5550 0106',
  },
  {
    id: 'c-007',
    name: 'Hannah Schmidt',
    email: 'hannah.schmidt@orbitedu.example',
    company: 'Orbit University',
    sector: 'Education',
    title: 'IT Director',
    phone: '+49 30 5550 0107',
  },
  {
    id: 'c-008',
    name: 'Kenji Watanabe',
    email: 'kenji.watanabe@sakuramfg.example',
    company: 'Sakura Manufacturing',
    sector: 'Manufacturing',
    title: 'Plant Systems Manager',
    phone: '+81 3 5550 0108',
  },
];

export const SEED_DEALS: readonly Deal[] = [
  {
    id: 'd-101',
    contactId: 'c-001',
    name: 'Northwind Health – zero-trust rollout',
    amount: 180_000,
    currency: 'USD',
    stage: 'negotiation',
  },
  { id: 'd-102', contactId: 'c-002', name: 'Bluepeak Bank – MFA for 12k staff', amount: 420_000, currency: 'USD', stage: 'proposal' },
  {
    id: 'd-103',
    contactId: 'c-004',
    name: 'Aegis Defence – secure agent pilot',
    amount: 950_000,
    currency: 'USD',
    stage: 'prospecting',
    restricted: true,
  },
  { id: 'd-104', contactId: 'c-005', name: 'Verde Energy – device trust', amount: 75_000, currency: 'USD', stage: 'closed-won' },
  { id: 'd-105', contactId: 'c-007', name: 'Orbit University – passwordless', amount: 60_000, currency: 'USD', stage: 'closed-lost' },
];
