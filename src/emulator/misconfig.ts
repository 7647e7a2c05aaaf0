/**
 * Tenant misconfigurations the emulator can be started with, one per row of the troubleshooting table
 * (PROTOCOLS.md §8), so `doctor` can be shown each mistake offline. Unlike FaultSwitches (transient failures on
 * the next calls), these hold for the emulator's whole life, as a wrong setting in the Duo Admin Panel would.
 */
export const EMULATOR_MISCONFIGS = [
  'scopes-not-configured',
  'oidc-access-disabled',
  'auth-access-disabled',
  'not-enrolled',
  'no-push-device',
  'clock-skew',
  'pkce-not-enforced',
] as const;

export type EmulatorMisconfig = (typeof EMULATOR_MISCONFIGS)[number];

export const MISCONFIG_DESCRIPTIONS: Readonly<Record<EmulatorMisconfig, string>> = {
  'scopes-not-configured': 'the OIDC client lists no crm.* scopes among its Confidential client scopes',
  'oidc-access-disabled': 'the OIDC application has user access disabled (/authorize answers 403)',
  'auth-access-disabled': 'the Auth API application has user access disabled (preauth and auth deny)',
  'not-enrolled': 'demouser has no enrolled device (preauth answers enroll)',
  'no-push-device': 'demouser has only an SMS/phone-call device, no activated Duo Mobile',
  'clock-skew': `the emulator's clock runs 10 minutes ahead (ping time off, signed requests rejected)`,
  'pkce-not-enforced': 'the OIDC application accepts /authorize without a PKCE challenge',
};

/** How far ahead the clock runs under `clock-skew`: beyond Duo's 300 s signature window. */
export const CLOCK_SKEW_MS = 10 * 60 * 1000;

/**
 * [inferred] Duo's wire text when the Auth API application has user access disabled was not seen (PROTOCOLS.md §1).
 * We answer preauth and auth with a policy `deny` carrying the status_msg users report seeing on step-up; doctor
 * detects any `deny` (and a 403) by result and status, never by this text.
 */
export const AUTH_ACCESS_DISABLED_MSG = 'Your account does not have access to this application';

export function isEmulatorMisconfig(name: string): name is EmulatorMisconfig {
  return (EMULATOR_MISCONFIGS as readonly string[]).includes(name);
}
