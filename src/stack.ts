import { ApprovalSigner } from './approvals.js';
import type { Config } from './config.js';
import { AuditLog, auditEntryOf } from './hook/audit.js';
import { approvalWaitMs } from './hook/api.js';
import { CrmStore } from './crm/store.js';
import { InsecureDevValidator, IntrospectionValidator, type TokenValidator } from './crm/token-validator.js';
import { DuoAuthClient } from './duo/auth-api-client.js';
import { startDuoEmulator, type DuoEmulator, type EmulatorOptions } from './emulator/index.js';
import { StackEvents } from './events.js';
import { DevModeStepUp, DuoPushStepUp, type StepUp } from './hook/stepup.js';
import { startServer } from './server.js';

export interface Stack {
  mode: Config['mode'];
  url: string;
  hookUrl: string;
  mcpUrl: string;
  healthUrl: string;
  /** Base of the Arcade worker routes (`/worker`); `workerEnabled` is false without ARCADE_WORKER_SECRET. */
  workerUrl: string;
  workerEnabled: boolean;
  port: number;
  events: StackEvents;
  /** Present in local mode: the embedded Duo tenant, with its virtual phone and directory. */
  emulator?: DuoEmulator;
  /** What validates tokens and what answers step-ups, for the startup banner. */
  tokenValidation: string;
  stepUp: string;
  /** How long a hook call waits for a push's answer before it answers "timed out" itself. */
  approvalWaitMs: number;
  /** Warnings the user must see (insecure dev switches). */
  warnings: string[];
  /** The OIDC client the local harness signs in with (local mode only). */
  oidcClient?: { issuer: string; clientId: string; clientSecret: string };
  /** Where hook decisions are recorded, when they are. */
  auditLog?: string;
  close(): Promise<void>;
}

/** Shorter bearers are guessable; `openssl rand -hex 32` gives 64. */
const MIN_BEARER_LENGTH = 24;

export interface StackOptions {
  /** Append one JSON line per hook decision to this file. */
  auditLog?: string;
  /** Extra emulator settings (tests shorten the push lifetime, the demo sets the phone's policy). */
  emulator?: Omit<EmulatorOptions, 'ikey' | 'skey' | 'clientId' | 'clientSecret'>;
  events?: StackEvents;
}

/**
 * Starts everything one `duo-arcade` process runs. In local mode the embedded Duo emulator stands in for the
 * tenant and the code paths are the same as live: signed Auth API calls, OIDC introspection over HTTP.
 */
export async function startStack(config: Config, options: StackOptions = {}): Promise<Stack> {
  const events = options.events ?? new StackEvents();
  const warnings: string[] = [];
  const audit = options.auditLog ? new AuditLog(options.auditLog, (message) => events.emit('log', { level: 'error', message })) : undefined;
  if (audit) events.on('hook.decision', (event) => void audit.append(auditEntryOf(event)));
  let emulator: DuoEmulator | undefined;
  const duo = { ...config.duo };

  if (config.mode === 'local') {
    emulator = await startDuoEmulator({
      ...options.emulator,
      ikey: duo.authIkey,
      skey: duo.authSkey,
      clientId: duo.clientId,
      clientSecret: duo.clientSecret,
    });
    duo.authApiUrl = emulator.authApiUrl;
    duo.authIkey = emulator.credentials.ikey;
    duo.authSkey = emulator.credentials.skey;
    duo.issuer = emulator.issuer;
    duo.clientId = emulator.credentials.clientId;
    duo.clientSecret = emulator.credentials.clientSecret;
    duo.introspectionUrl = undefined;
  }

  if (!config.hookBearerGenerated && config.hookBearerToken.length < MIN_BEARER_LENGTH) {
    warnings.push(
      `HOOK_BEARER_TOKEN is only ${config.hookBearerToken.length} characters: anyone who guesses it can call the hook. Use \`openssl rand -hex 32\`.`,
    );
  }
  const workerSecret = config.arcade.workerSecret;
  if (workerSecret && workerSecret.length < MIN_BEARER_LENGTH) {
    warnings.push(
      `ARCADE_WORKER_SECRET is only ${workerSecret.length} characters: anyone who guesses it can call the tools as Arcade. Use \`openssl rand -hex 32\`.`,
    );
  }

  try {
    let validator: TokenValidator;
    if (config.devAllowInsecure) {
      validator = new InsecureDevValidator(config.devScopes);
      warnings.push(
        `DEV_ALLOW_INSECURE=true: bearer tokens are NOT validated; every caller gets ${config.devScopes.join(', ')}. Never use this outside development.`,
      );
    } else {
      validator = new IntrospectionValidator({
        issuer: duo.issuer,
        introspectionUrl: duo.introspectionUrl,
        clientId: duo.clientId ?? '',
        clientSecret: duo.clientSecret ?? '',
      });
    }

    let stepUp: StepUp;
    if (config.stepupDevMode) {
      stepUp = new DevModeStepUp(config.stepupDevMode);
      warnings.push(
        `STEPUP_DEV_MODE=${config.stepupDevMode}: sensitive calls are ${config.stepupDevMode === 'allow' ? 'ALLOWED' : 'denied'} without a Duo push. Never use this outside development.`,
      );
    } else {
      const client = new DuoAuthClient({ baseUrl: duo.authApiUrl ?? '', ikey: duo.authIkey ?? '', skey: duo.authSkey ?? '' });
      stepUp = new DuoPushStepUp(
        client,
        config.mode === 'local' ? 'the embedded Duo emulator' : new URL(duo.authApiUrl ?? 'https://invalid').host,
      );
    }

    const server = await startServer({
      host: config.host,
      port: config.port,
      events,
      validator,
      store: new CrmStore(),
      approvals: new ApprovalSigner(),
      hook: {
        bearerToken: config.hookBearerToken,
        policy: { sensitiveTerms: config.sensitiveTerms, stepUpTools: config.stepUpTools, stepUpWrites: config.stepUpWrites },
        stepUp,
        stepupUsername: duo.stepupUsername,
        userMap: config.userMap,
        providerId: config.arcade.providerId,
        timeoutMs: config.hookTimeoutMs,
        maxPendingPushes: config.maxPendingPushes,
      },
      worker: { secret: workerSecret, providerId: config.arcade.providerId },
    });

    return {
      mode: config.mode,
      url: server.url,
      hookUrl: `${server.url}/hooks/pre`,
      mcpUrl: `${server.url}/mcp`,
      healthUrl: `${server.url}/health`,
      workerUrl: `${server.url}/worker`,
      workerEnabled: Boolean(workerSecret),
      port: server.port,
      events,
      emulator,
      tokenValidation: validator.description,
      stepUp: stepUp.description,
      approvalWaitMs: approvalWaitMs(config.hookTimeoutMs),
      warnings,
      oidcClient:
        emulator && duo.issuer && duo.clientId && duo.clientSecret
          ? { issuer: duo.issuer, clientId: duo.clientId, clientSecret: duo.clientSecret }
          : undefined,
      auditLog: audit?.path,
      close: async () => {
        await server.close();
        await emulator?.close();
        await audit?.flush();
      },
    };
  } catch (error) {
    await emulator?.close();
    throw error;
  }
}
