import type { Ora } from 'ora';
import type { HookDecisionEvent } from '../events.js';
import type { ToolOutcome } from '../agent.js';
import type { Scenario, Step } from '../scenarios/schema.js';
import { phoneCard } from './phone-card.js';
import { startSpinner, type Terminal } from './terminal.js';

const LABEL_WIDTH = 7;

/**
 * Everything the presenter's audience reads: one line per actor (you, agent, hook, phone, result),
 * coloured when the terminal allows it. Writes to stderr; stdout is kept for --json data.
 */
export class Narrator {
  private spinner?: Ora;
  private ticker?: NodeJS.Timeout;

  constructor(private readonly term: Terminal) {}

  private get c() {
    return this.term.colour;
  }

  line(text = ''): void {
    this.stopWaiting();
    this.term.stderr.write(`${text}\n`);
  }

  banner(lines: { title: string; facts: Array<[string, string]>; warnings: string[] }): void {
    const { c } = this;
    this.line(c.bold(lines.title));
    const width = Math.max(...lines.facts.map(([k]) => k.length));
    for (const [key, value] of lines.facts) this.line(`  ${c.dim(key.padEnd(width))}  ${value}`);
    for (const warning of lines.warnings) this.line(c.bgRed.white.bold(' WARNING ') + ' ' + c.red(warning));
    this.line();
  }

  scenarioStart(scenario: Scenario, index: number, total: number): void {
    const { c } = this;
    const head = `${total > 1 ? `${index + 1}/${total} · ` : ''}${scenario.title}`;
    this.line(c.bold.cyan(`━━ ${head} ${'━'.repeat(Math.max(3, this.width() - head.length - 4))}`));
    this.line(c.dim(this.wrap(scenario.summary, 0)));
    this.line();
  }

  stepStart(step: Step, index: number): void {
    const { c } = this;
    this.line(`${c.bold(`▶ ${index + 1}. ${step.title}`)}`);
    if (step.narrate) this.line(c.italic.dim(this.wrap(step.narrate, 3)));
  }

  /** One actor's line; long text wraps under itself, never mid-word. */
  actor(label: string, text: string, tint: (s: string) => string = (s) => s): void {
    const indent = 3 + LABEL_WIDTH + 2;
    const body = this.wrap(text, indent).trimStart();
    this.line(`   ${tint(label.padEnd(LABEL_WIDTH))}› ${body}`);
  }

  ask(text: string): void {
    this.actor('you', `“${text}”`, this.c.magenta);
  }

  toolCall(tool: string, args: Record<string, unknown>): void {
    const shown = Object.entries(args)
      .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
      .join(', ');
    this.actor('agent', `calls ${this.c.bold(tool)}(${shown})`, this.c.blue);
  }

  hookDecision(event: HookDecisionEvent): void {
    const { c } = this;
    const latency = c.dim(`${formatMs(event.latencyMs)}`);
    if (event.code === 'OK') {
      this.actor('hook', `${c.green('OK')} · ${event.reason} · ${latency}`, c.yellow);
    } else {
      this.actor('hook', `${c.red(event.code)} · ${event.reason}${event.ref ? c.dim(` [ref ${event.ref}]`) : ''} · ${latency}`, c.yellow);
    }
  }

  pushSent(username: string, rule?: string): void {
    this.actor('hook', `step-up${rule ? ` (${rule})` : ''} → Duo Push to ${this.c.bold(username)}`, this.c.yellow);
  }

  phone(push: { title?: string; username: string; device?: string; pushinfo: Record<string, string> }): void {
    this.line(phoneCard(this.c, push));
  }

  phoneAnswer(answer: string, by: 'you' | 'script' | 'flag'): void {
    const tint = answer === 'approve' ? this.c.green : this.c.red;
    const words: Record<string, string> = {
      approve: 'approved',
      deny: 'denied',
      timeout: 'ignored: the push will time out',
      fraud: 'reported as fraud',
    };
    const who: Record<typeof by, string> = { you: 'by you', script: 'as scripted', flag: `by --${answer}` };
    this.actor('phone', `${tint(words[answer] ?? answer)} ${this.c.dim(`(${who[by]})`)}`, this.c.green);
  }

  note(text: string): void {
    this.line(this.c.dim(this.wrap(`(${text})`, 3)));
  }

  duoChange(action: 'grant' | 'revoke', scope: string, user: string): void {
    const verb = action === 'grant' ? this.c.green('granted') : this.c.red('revoked');
    this.actor('duo', `administrator ${verb} ${this.c.bold(scope)} for ${user}`, this.c.cyan);
  }

  signedIn(user: string, scopes: readonly string[]): void {
    this.actor('duo', `${user} signed in (authorization code + PKCE S256); token scopes: ${scopes.join(' ')}`, this.c.cyan);
  }

  result(outcome: ToolOutcome): void {
    const { c } = this;
    if (outcome.kind === 'success') this.actor('result', summarise(outcome.value, outcome.text), c.green);
    else if (outcome.kind === 'denied') this.actor('result', `agent stopped: ${outcome.text}`, c.red);
    else this.actor('result', outcome.text, c.red);
  }

  check(passed: boolean, text: string): void {
    this.line(`   ${passed ? this.c.green('✓') : this.c.red('✗')} ${passed ? this.c.dim(text) : this.c.red(text)}`);
  }

  startWaiting(text: string): void {
    if (!this.term.interactive) return;
    // No `indent` option: ora leaves the cursor at that column when it stops, which shifts the next line.
    this.spinner = startSpinner(this.term, text, '  ');
  }

  /** A spinner whose text counts down to `untilMs` (performance.now() time), so a silent wait does not look stuck. */
  countDown(text: (secondsLeft: number) => string, untilMs: number): void {
    if (!this.term.interactive) return;
    const left = () => Math.max(0, Math.ceil((untilMs - performance.now()) / 1000));
    this.startWaiting(text(left()));
    this.ticker = setInterval(() => {
      if (this.spinner) this.spinner.text = text(left());
    }, 250);
  }

  stopWaiting(): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
    this.spinner?.stop();
    this.spinner = undefined;
  }

  private width(): number {
    return Math.min(this.term.stderr.columns ?? 88, 100);
  }

  private wrap(text: string, indent: number): string {
    const max = Math.max(40, this.width() - indent);
    const out: string[] = [];
    let current = '';
    for (const word of text.split(/ +/)) {
      if (current && visibleLength(current) + visibleLength(word) + 1 > max) {
        out.push(current);
        current = word;
      } else current = current ? `${current} ${word}` : word;
    }
    if (current) out.push(current);
    return out.map((line) => ' '.repeat(indent) + line).join('\n');
  }
}

function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001B\[[0-9;]*m/g, '').length;
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** One line a presenter can read aloud, from the CRM's answer. */
export function summarise(value: unknown, fallback: string): string {
  const v = value as
    | {
        contacts?: Array<{ name: string; company: string }>;
        contact?: { name: string; title: string; company: string; sector: string };
        deals?: Array<{ name: string; amount: number; stage: string }>;
        withheld?: { count: number };
      }
    | undefined;
  const withheld = v?.withheld?.count ? ` (+${v.withheld.count} restricted withheld)` : '';
  if (v?.contacts) {
    const names = v.contacts.map((c) => `${c.name} (${c.company})`).join(', ');
    return `${v.contacts.length} contact${v.contacts.length === 1 ? '' : 's'}${withheld}${names ? `: ${names}` : ''}`;
  }
  if (v?.contact) return `${v.contact.name}, ${v.contact.title ? `${v.contact.title} at ` : ''}${v.contact.company} (${v.contact.sector})`;
  if (v?.deals) {
    const deals = v.deals.map((d) => `${d.name} ($${d.amount.toLocaleString('en-US')}, ${d.stage})`).join('; ');
    return `${v.deals.length} deal${v.deals.length === 1 ? '' : 's'}${withheld}: ${deals}`;
  }
  return fallback.length > 200 ? `${fallback.slice(0, 199)}…` : fallback;
}
