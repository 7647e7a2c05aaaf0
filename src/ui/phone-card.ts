import type { ChalkInstance } from 'chalk';

/** Visible width, ignoring ANSI colour codes. */
function width(text: string): number {
  // eslint-disable-next-line no-control-regex
  return [...text.replace(/\u001B\[[0-9;]*m/g, '')].length;
}

function pad(text: string, size: number): string {
  return text + ' '.repeat(Math.max(0, size - width(text)));
}

/** The Duo Mobile push as a card in the terminal: the "virtual phone". */
export function phoneCard(
  c: ChalkInstance,
  push: { title?: string; username: string; device?: string; pushinfo: Record<string, string> },
): string {
  const rows: string[] = [];
  rows.push(c.bold.green('Duo Mobile') + c.dim(`  ·  ${push.device ?? 'phone'}`));
  rows.push('');
  rows.push(c.bold(push.title ?? 'Login request'));
  rows.push(c.dim(`for ${push.username}`));
  rows.push('');
  const keyWidth = Math.max(0, ...Object.keys(push.pushinfo).map((k) => k.length));
  for (const [key, value] of Object.entries(push.pushinfo)) {
    const shown = value.length > 48 ? `${value.slice(0, 47)}…` : value;
    rows.push(`${c.dim(key.padEnd(keyWidth))}  ${shown}`);
  }
  rows.push('');
  rows.push(`${c.bgGreen.black(' ✓ Approve ')}   ${c.bgRed.white(' ✗ Deny ')}`);
  const inner = Math.max(...rows.map(width), 30);
  const top = `╭${'─'.repeat(inner + 2)}╮`;
  const bottom = `╰${'─'.repeat(inner + 2)}╯`;
  return [top, ...rows.map((row) => `│ ${pad(row, inner)} │`), bottom].map((line) => `    ${line}`).join('\n');
}
