import { UserError } from '../errors.js';

/**
 * What went wrong with the ngrok agent, in plain words with the next thing to try (PROTOCOLS.md §6,
 * https://ngrok.com/docs/errors/). Every text taken from ngrok passes through `redactNgrokText` first:
 * the 105/107 messages echo the authtoken.
 */

export type NgrokFailureKind = 'not-installed' | 'not-executable' | 'error-code' | 'config-version' | 'too-old' | 'timeout' | 'exited';

export class NgrokFailure extends UserError {
  constructor(
    readonly kind: NgrokFailureKind,
    message: string,
    hint: string,
    /** The ERR_NGROK_<n> number, when ngrok named one. */
    readonly code?: string,
  ) {
    super(message, hint, 1);
  }
}

/** The way out without ngrok, as `serve` offers it; other commands swap in their own. */
export const WITHOUT_NGROK = 'Or do without ngrok: --public-url <https URL of a tunnel you run to this port>, or --no-tunnel.';
const AUTHTOKEN_PAGE = 'https://dashboard.ngrok.com/get-started/your-authtoken';

interface Advice {
  problem: string;
  fix: string;
  /** The agent cannot recover by itself: stop waiting for a tunnel at once. */
  fatal: boolean;
}

/** ERR_NGROK_<n> → advice. Codes that only show up in traffic (8012, 3200, 6024) are reported, not fatal. */
export const NGROK_ADVICE: Readonly<Record<string, Advice>> = {
  '4018': {
    problem: 'ngrok needs a verified account and an authtoken (ERR_NGROK_4018).',
    fix: `Sign up at https://dashboard.ngrok.com/signup, copy your authtoken from ${AUTHTOKEN_PAGE} and set NGROK_AUTHTOKEN in .env (or run \`ngrok config add-authtoken <token>\`). ${WITHOUT_NGROK}`,
    fatal: true,
  },
  '105': {
    problem: 'ngrok says the authtoken is malformed (ERR_NGROK_105).',
    fix: `Copy the authtoken again from ${AUTHTOKEN_PAGE} into NGROK_AUTHTOKEN, whole, without quotes or spaces (or fix it with \`ngrok config add-authtoken <token>\`).`,
    fatal: true,
  },
  '107': {
    problem: 'ngrok says the authtoken is invalid: it was reset, or its account is gone (ERR_NGROK_107).',
    fix: `Copy your current authtoken from ${AUTHTOKEN_PAGE} into NGROK_AUTHTOKEN (or \`ngrok config add-authtoken <token>\`).`,
    fatal: true,
  },
  '108': {
    problem: 'Another ngrok agent is already running on your account, and your plan allows one at a time (ERR_NGROK_108).',
    fix: `Stop the other ngrok (see https://dashboard.ngrok.com/agents), then try again. If that agent already forwards to this port, pass its URL with --public-url instead. ${WITHOUT_NGROK}`,
    fatal: true,
  },
  '334': {
    problem: 'That ngrok endpoint is already online, served by another agent (ERR_NGROK_334).',
    fix: 'Stop the agent that serves it (https://dashboard.ngrok.com/endpoints), choose another domain with --ngrok-url, or drop --ngrok-url for a random URL.',
    fatal: true,
  },
  '313': {
    problem: 'ngrok will not give you that domain: it must be reserved on your account first (ERR_NGROK_313).',
    fix: 'Reserve it (or use your free static domain) at https://dashboard.ngrok.com/domains, then pass it with --ngrok-url; or drop --ngrok-url for a random URL.',
    fatal: true,
  },
  '15002': {
    problem: 'That domain is not registered on your ngrok account, or your plan does not allow it (ERR_NGROK_15002).',
    fix: 'Pass a domain listed at https://dashboard.ngrok.com/domains with --ngrok-url, or drop --ngrok-url for a random URL.',
    fatal: true,
  },
  '121': {
    problem: 'This ngrok agent is too old for your account (ERR_NGROK_121).',
    fix: 'Run `ngrok update` (or reinstall from https://ngrok.com/download), then try again.',
    fatal: true,
  },
  '120': {
    problem: 'This ngrok agent version is no longer supported (ERR_NGROK_120).',
    fix: 'Run `ngrok update` (or reinstall from https://ngrok.com/download), then try again.',
    fatal: true,
  },
  '9009': {
    problem: 'ngrok could not connect through the proxy it was told to use (ERR_NGROK_9009).',
    fix: `Check HTTP_PROXY/HTTPS_PROXY and \`proxy_url\` in the ngrok config (\`ngrok config check\`), or try another network. ${WITHOUT_NGROK}`,
    fatal: true,
  },
  '8012': {
    problem: 'ngrok could not reach duo-arcade on its local port (ERR_NGROK_8012).',
    fix: 'duo-arcade must keep running while Arcade calls it; restart `duo-arcade serve`.',
    fatal: false,
  },
  '3200': {
    problem: 'The ngrok endpoint is offline (ERR_NGROK_3200).',
    fix: 'The tunnel is down, or Arcade still has an old tunnel URL: restart `duo-arcade serve` and paste the new hook URL into the Logic Extension.',
    fatal: false,
  },
  '6024': {
    problem: 'A browser met ngrok’s interstitial warning page (ERR_NGROK_6024).',
    fix: 'Harmless here: Arcade calls the hook as an API client and never sees that page.',
    fatal: false,
  },
};

export function ngrokErrorCode(text: string): string | undefined {
  return /ERR_NGROK_(\d+)/.exec(text)?.[1];
}

/** Removes authtokens from any text that came from ngrok: the configured one, and any the agent echoes. */
export function redactNgrokText(text: string, secrets: ReadonlyArray<string | undefined> = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out
    .replace(/(authtoken["']?\s*[:=]\s*["']?)[^\s"',]+/gi, '$1[redacted]')
    .replace(/\b[0-9A-Za-z]{20,}_[0-9A-Za-z]{15,}\b/g, '[redacted]');
}

/** The failure for an error code ngrok reported, with the agent's own words (redacted) when we have no advice. */
export function failureForCode(code: string, detail: string): NgrokFailure {
  const advice = NGROK_ADVICE[code];
  if (advice) return new NgrokFailure('error-code', advice.problem, advice.fix, code);
  return new NgrokFailure(
    'error-code',
    `ngrok failed with ERR_NGROK_${code}: ${firstLine(detail)}`,
    `See https://ngrok.com/docs/errors/err_ngrok_${code}/ ${WITHOUT_NGROK}`,
    code,
  );
}

export function isFatalCode(code: string): boolean {
  return NGROK_ADVICE[code]?.fatal ?? true;
}

export function notInstalled(binary: string): NgrokFailure {
  return new NgrokFailure(
    'not-installed',
    `ngrok is not installed: no \`${binary}\` on your PATH.`,
    `Install the ngrok agent (https://ngrok.com/download; macOS \`brew install ngrok\`, Linux \`snap install ngrok\`) and set NGROK_AUTHTOKEN. ${WITHOUT_NGROK}`,
  );
}

export function notExecutable(path: string): NgrokFailure {
  return new NgrokFailure(
    'not-executable',
    `Found ngrok at ${path}, but it cannot be run.`,
    `Make it executable (\`chmod +x ${path}\`) or reinstall it. ${WITHOUT_NGROK}`,
  );
}

export function configWithoutVersion(detail: string): NgrokFailure {
  return new NgrokFailure(
    'config-version',
    `ngrok cannot read its configuration file: ${firstLine(detail)}`,
    'It is an old (v2-era) file without `version`: run `ngrok config upgrade` (or add `version: "2"` to it), then `ngrok config check`.',
  );
}

export function agentTooOld(detail: string): NgrokFailure {
  return new NgrokFailure(
    'too-old',
    `This ngrok agent is too old for the options duo-arcade passes: ${firstLine(detail)}`,
    'Run `ngrok update` (ngrok 3.16 or newer takes --url), then try again.',
  );
}

export function readyTimeout(seconds: number, port: number, lastError?: string): NgrokFailure {
  return new NgrokFailure(
    'timeout',
    `ngrok did not report a tunnel within ${seconds} s${lastError ? `; its last error: ${firstLine(lastError)}` : '.'}`,
    `Check your network, or run \`ngrok http ${port}\` yourself to see what it says. ${WITHOUT_NGROK}`,
  );
}

export function exitedEarly(exit: string, port: number, lastError?: string, wasUp = false): NgrokFailure {
  const said = lastError ? `: ${firstLine(lastError)}` : '.';
  return new NgrokFailure(
    'exited',
    wasUp ? `ngrok stopped (${exit})${said}` : `ngrok stopped (${exit}) before the tunnel was up${said}`,
    `Run \`ngrok config check\`, then \`ngrok http ${port}\` yourself to see the whole message. ${WITHOUT_NGROK}`,
  );
}

function firstLine(text: string): string {
  const line = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find(Boolean);
  const clean = (line ?? text).trim();
  return clean.length > 300 ? `${clean.slice(0, 299)}…` : clean;
}
