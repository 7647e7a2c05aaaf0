import type { Check } from '../types.js';
import { arcadeExtension } from './arcade-extension.js';
import { arcadeHook } from './arcade-hook.js';
import { arcadeKey } from './arcade-key.js';
import { arcadeProviderCheck } from './arcade-provider.js';
import { arcadeWorker } from './arcade-worker.js';
import { authCheck } from './auth-check.js';
import { authClock } from './auth-clock.js';
import { authPing } from './auth-ping.js';
import { authPreauth } from './auth-preauth.js';
import { configBearer } from './config-bearer.js';
import { configDevSwitches } from './config-dev-switches.js';
import { configDuoUrls } from './config-duo-urls.js';
import { configHookBudget } from './config-hook-budget.js';
import { configRequired } from './config-required.js';
import { configWorkerSecret } from './config-worker-secret.js';
import { localHook } from './local-hook.js';
import { localPort } from './local-port.js';
import { oidcAuthorize } from './oidc-authorize.js';
import { oidcClient } from './oidc-client.js';
import { oidcDiscovery } from './oidc-discovery.js';
import { oidcPkce } from './oidc-pkce.js';
import { oidcToken } from './oidc-token.js';
import { tunnelAgent } from './tunnel-agent.js';
import { tunnelAuthtoken } from './tunnel-authtoken.js';
import { tunnelConfig } from './tunnel-config.js';
import { tunnelNgrok } from './tunnel-ngrok.js';
import { tunnelPublicUrl } from './tunnel-public-url.js';

/** Every check, in display order within its group. */
export const CHECKS: readonly Check[] = [
  configRequired,
  configDuoUrls,
  configDevSwitches,
  configBearer,
  configWorkerSecret,
  configHookBudget,
  oidcDiscovery,
  oidcPkce,
  oidcClient,
  oidcAuthorize,
  oidcToken,
  authPing,
  authClock,
  authCheck,
  authPreauth,
  arcadeKey,
  arcadeProviderCheck,
  arcadeExtension,
  arcadeHook,
  arcadeWorker,
  tunnelNgrok,
  tunnelAuthtoken,
  tunnelConfig,
  tunnelAgent,
  tunnelPublicUrl,
  localPort,
  localHook,
];
