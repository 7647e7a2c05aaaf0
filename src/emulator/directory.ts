import type { DuoDevice } from '../duo/auth-api-client.js';
import { generateDuoId } from './credentials.js';

export const CRM_SCOPES = ['crm.contacts.read', 'crm.contacts.write', 'crm.deals.read'] as const;

export interface DirectoryUser {
  username: string;
  /** Duo's `DU…` user id (preauth/auth accept `user_id` too). */
  userId: string;
  email: string;
  name: string;
  devices: DuoDevice[];
  /** Duo's user status: bypass skips 2FA, disabled is denied by policy, locked_out fails every auth. */
  status: UserStatus;
}

export type UserStatus = 'active' | 'bypass' | 'disabled' | 'locked_out';

export interface NewUser {
  username: string;
  email?: string;
  name?: string;
  devices?: DuoDevice[];
  scopes?: string[];
  status?: UserStatus;
}

export const DEMO_DEVICE: Readonly<DuoDevice> = Object.freeze({
  device: 'DPFZRS9FB0D46QFTM891',
  type: 'phone',
  name: "Presenter's iPhone",
  display_name: 'iOS (XXX-XXX-0100)',
  number: 'XXX-XXX-0100',
  capabilities: ['auto', 'push', 'sms', 'phone', 'mobile_otp'],
});

function splitScopes(scope: string | string[]): string[] {
  return (Array.isArray(scope) ? scope : [scope]).flatMap((s) => s.split(/\s+/)).filter(Boolean);
}

/**
 * The emulator's users, their Duo devices and their per-user scope grants (Duo's Access Policy → Scope
 * Authorization). Grant changes affect tokens issued afterwards only: an issued token keeps the scope it
 * was issued with until it expires, as in OAuth, so revoking means "log in again to see the effect".
 */
export class Directory {
  private readonly users = new Map<string, DirectoryUser>();
  private readonly grants = new Map<string, Set<string>>();

  constructor(opts: { seed?: boolean } = {}) {
    if (opts.seed !== false) {
      this.addUser({
        username: 'demouser',
        email: 'demouser@example.com',
        name: 'Demo User',
        devices: [{ ...DEMO_DEVICE, capabilities: [...DEMO_DEVICE.capabilities] }],
        scopes: [...CRM_SCOPES],
      });
    }
  }

  addUser(user: NewUser): DirectoryUser {
    const entry: DirectoryUser = {
      username: user.username,
      userId: this.users.get(user.username)?.userId ?? generateDuoId('DU'),
      email: user.email ?? `${user.username}@example.com`,
      name: user.name ?? user.username,
      devices: user.devices ?? [],
      status: user.status ?? 'active',
    };
    this.users.set(user.username, entry);
    this.grants.set(user.username, new Set(user.scopes ?? this.grants.get(user.username) ?? []));
    return entry;
  }

  getUser(username: string): DirectoryUser | undefined {
    return this.users.get(username);
  }

  findByUserId(userId: string): DirectoryUser | undefined {
    for (const user of this.users.values()) if (user.userId === userId) return user;
    return undefined;
  }

  listUsers(): DirectoryUser[] {
    return [...this.users.values()];
  }

  /** Grants one scope (or several, space-separated). An unknown user is created without devices. */
  grant(username: string, scope: string | string[]): void {
    if (!this.users.has(username)) this.addUser({ username });
    const set = this.grants.get(username) ?? new Set<string>();
    for (const s of splitScopes(scope)) set.add(s);
    this.grants.set(username, set);
  }

  revoke(username: string, scope: string | string[]): void {
    const set = this.grants.get(username);
    if (!set) return;
    for (const s of splitScopes(scope)) set.delete(s);
  }

  scopesOf(username: string): string[] {
    return [...(this.grants.get(username) ?? [])].sort();
  }
}
