import type { Terminal } from '../ui/terminal.js';
import { summarise } from './run.js';
import { GROUPS, type CheckRow } from './types.js';

/** flutter doctor's shape: grouped `[✓] / [!] / [✗]` rows, an indented `→ fix:` line, then a summary. */
export function renderReport(rows: readonly CheckRow[], term: Terminal, heading: string): string {
  const c = term.colour;
  const lines: string[] = [heading, ''];
  for (const group of GROUPS) {
    const inGroup = rows.filter((r) => r.group === group.id);
    if (inGroup.length === 0) continue;
    lines.push(c.bold(group.title));
    for (const row of inGroup) {
      const mark =
        row.status === 'ok'
          ? c.green('[✓]')
          : row.status === 'warn'
            ? c.yellow('[!]')
            : row.status === 'error'
              ? c.red('[✗]')
              : c.dim('[-]');
      const [first, ...rest] = row.detail.split('\n');
      const detail = row.status === 'skip' ? c.dim(first) : first;
      lines.push(`  ${mark} ${row.title}: ${detail}`);
      for (const more of rest) lines.push(`      ${more}`);
      if (row.fix && (row.status === 'warn' || row.status === 'error')) {
        const [fixFirst, ...fixRest] = row.fix.split('\n');
        lines.push(`      ${c.cyan('→ fix:')} ${fixFirst}`);
        for (const more of fixRest) lines.push(`             ${more}`);
      }
    }
    lines.push('');
  }
  lines.push(summaryLine(rows, term));
  return `${lines.join('\n')}\n`;
}

export function summaryLine(rows: readonly CheckRow[], term: Terminal): string {
  const c = term.colour;
  const s = summarise(rows);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const parts = [plural(s.errors, 'error'), plural(s.warnings, 'warning'), `${s.passed} passed`, `${s.skipped} skipped`];
  const text = `${parts.join(', ')}.`;
  if (s.errors > 0) return c.red(`✗ ${text}`);
  if (s.warnings > 0) return c.yellow(`! ${text}`);
  return c.green(`✓ ${text} No issues found.`);
}

export function jsonReport(rows: readonly CheckRow[], strict: boolean): string {
  const s = summarise(rows);
  return `${JSON.stringify({
    ok: s.errors === 0 && (!strict || s.warnings === 0),
    summary: { errors: s.errors, warnings: s.warnings, passed: s.passed, skipped: s.skipped },
    checks: rows.map((r) => ({
      id: r.id,
      group: r.group,
      title: r.title,
      status: r.status,
      detail: r.detail,
      ...(r.fix ? { fix: r.fix } : {}),
    })),
  })}\n`;
}
