import { fetchJson, record } from '../http.js';
import { error, ok, skip, type Check } from '../types.js';

export const localHook: Check = {
  id: 'local-hook',
  title: 'Our hook',
  group: 'local',
  async run(ctx) {
    if (ctx.stackError)
      return error(`the server does not start with this configuration: ${ctx.stackError}`, 'Fix the configuration errors above.');
    if (!ctx.stack || !ctx.hookBearer) return skip('skipped: the server could not be started with this configuration');
    const url = ctx.stack.hookUrl;
    const request = {
      execution_id: 'doctor-probe',
      tool: { name: 'ListDeals', toolkit: 'DuoCrm', version: '1.0.0' },
      inputs: { query: 'negotiation' },
      context: { user_id: 'duo-arcade-doctor' },
    };
    const post = (headers: Record<string, string>) =>
      fetchJson(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(request),
        signal: ctx.signal,
      });
    const anonymous = await post({});
    if (anonymous.status !== 401) {
      return error(
        `${url} answered HTTP ${anonymous.status} without a bearer token instead of 401`,
        'This is a bug in duo-arcade: report it.',
      );
    }
    const answer = await post({ authorization: `Bearer ${ctx.hookBearer}` });
    const code = record(answer.body).code;
    if (answer.status !== 200 || code !== 'OK') {
      return error(
        `a benign request with the bearer got HTTP ${answer.status} ${typeof code === 'string' ? code : ''}: ${String(record(answer.body).error_message ?? '')}`.trim(),
        'Check SENSITIVE_QUERY_TERMS, STEPUP_TOOLS and DUO_USER_MAP: a plain ListDeals call should pass.',
      );
    }
    return ok('answers 401 without the bearer token and OK to a benign request with it');
  },
};
