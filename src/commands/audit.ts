import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { UserError, errorMessage } from '../errors.js';
import { readAuditLog, type AuditEntry } from '../hook/audit.js';
import { formatMs } from '../ui/narrator.js';
import type { Terminal } from '../ui/terminal.js';

/** Where `serve` records decisions unless told otherwise. */
export const DEFAULT_AUDIT_LOG = '.duo-arcade/audit.jsonl';

interface AuditOptions {
  file?: string;
  ref?: string;
  limit: number;
  json?: boolean;
}

export function registerAudit(program: Command, term: Terminal, setExit: (code: number) => void): void {
  program
    .command('audit')
    .description('show recent step-up decisions from the audit log (find a deny by its [ref …])')
    .option('-f, --file <path>', `audit log to read (default: ${DEFAULT_AUDIT_LOG})`)
    .option('--ref <ref>', 'only the decision with this reference, e.g. 7Q2K1A')
    .addOption(new Option('-n, --limit <count>', 'how many recent decisions').default(20).argParser(positiveInteger))
    .option('--json', 'print the entries as JSON lines on stdout')
    .action(async (options: AuditOptions) => setExit(await audit(term, options)));
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`-n (--limit) must be a whole number above 0 (got "${value}").`, undefined, 2);
  return n;
}

export async function audit(term: Terminal, options: AuditOptions): Promise<number> {
  const path = resolve(term.cwd, options.file ?? DEFAULT_AUDIT_LOG);
  let entries: AuditEntry[];
  let skipped: number;
  try {
    ({ entries, skipped } = await readAuditLog(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UserError(`No audit log at ${path}.`, '`duo-arcade serve` writes one as it decides (or pass --file to read another).');
    }
    throw new UserError(
      `Cannot read the audit log ${path} (${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}).`,
      'Pass --file the JSON-lines file `duo-arcade serve --audit-log` writes.',
    );
  }
  if (entries.length === 0 && skipped > 0)
    throw new UserError(
      `None of the ${skipped} non-empty line${skipped === 1 ? '' : 's'} of ${path} is a duo-arcade audit entry.`,
      'Pass --file with the log `duo-arcade serve --audit-log` writes (JSON lines).',
    );
  if (options.ref) {
    const ref = options.ref
      .replace(/^\[?ref\s*/i, '')
      .replace(/\]$/, '')
      .toUpperCase();
    entries = entries.filter((entry) => entry.ref === ref);
    if (entries.length === 0) throw new UserError(`No decision with reference ${ref} in ${path}.`);
  }
  const recent = entries.slice(-options.limit);
  if (options.json) {
    for (const entry of recent) term.stdout.write(`${JSON.stringify(entry)}\n`);
    return 0;
  }
  if (recent.length === 0) {
    term.stderr.write(`The audit log ${path} has no decisions yet.\n`);
    return 0;
  }
  const c = term.colour;
  const whoOf = (entry: AuditEntry) =>
    [entry.caller, entry.duoUser && entry.duoUser !== entry.caller ? `→ ${entry.duoUser}` : ''].filter(Boolean).join(' ') || '-';
  // Columns line up: pad to the widest value shown.
  const widest = (text: (entry: AuditEntry) => string) => Math.max(...recent.map((entry) => text(entry).length));
  const ruleOf = (entry: AuditEntry) => (entry.rule ? `[${entry.rule}]` : '-');
  const [toolWidth, whoWidth, ruleWidth, outcomeWidth] = [(e: AuditEntry) => e.tool, whoOf, ruleOf, (e: AuditEntry) => e.outcome].map(
    widest,
  );
  for (const entry of recent) {
    const decision =
      entry.decision === 'OK' ? c.green('OK'.padEnd(12)) : c.red(entry.decision === 'CHECK_FAILED' ? entry.decision : 'RATE_LIMITED');
    const line = [
      c.dim(entry.time.replace('T', ' ').slice(0, 19)),
      decision,
      entry.tool.padEnd(toolWidth!),
      whoOf(entry).padEnd(whoWidth!),
      ruleOf(entry).padEnd(ruleWidth!),
      entry.outcome.padEnd(outcomeWidth!),
      c.dim(`ref ${entry.ref}`),
      c.dim(formatMs(entry.latencyMs)),
    ]
      .filter(Boolean)
      .join('  ');
    term.stdout.write(`${line}\n`);
    if (options.ref)
      term.stdout.write(`  ${entry.reason}${entry.txid ? `\n  Duo txid ${entry.txid}` : ''}\n  execution ${entry.executionId}\n`);
  }
  return 0;
}
