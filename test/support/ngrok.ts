import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';

/** The folder holding the fake `ngrok` (test/fixtures/ngrok/ngrok): first on PATH, so no real ngrok is ever used. */
export const FAKE_NGROK_DIR = resolve(import.meta.dirname, '..', 'fixtures', 'ngrok');

/** An authtoken shaped like ngrok's, and one that is not: both must be redacted wherever the agent echoes them. */
export const NGROK_TOKEN = '2abcDEFghiJKLmnoPQRstu_4vWXyz5ABcdEFghIJklm';

export interface FakeNgrok {
  env: Record<string, string>;
  dir: string;
  pidFile: string;
  recordFile: string;
  /** {pid, ppid} of the fake agent once it has started. */
  pids(): { pid: number; ppid: number } | undefined;
  record(): { argv: string[]; authtokenLength: number; env: string[] } | undefined;
}

/** A fresh state folder and the environment that selects the fake's behaviour. */
export function fakeNgrok(mode: string, extra: Record<string, string> = {}): FakeNgrok {
  const dir = mkdtempSync(join(tmpdir(), 'duo-arcade-fake-ngrok-'));
  const pidFile = join(dir, 'pid.json');
  const recordFile = join(dir, 'record.json');
  const env: Record<string, string> = {
    PATH: `${FAKE_NGROK_DIR}${delimiter}${process.env.PATH ?? ''}`,
    FAKE_NGROK_MODE: mode,
    FAKE_NGROK_STATE_DIR: dir,
    FAKE_NGROK_PID_FILE: pidFile,
    FAKE_NGROK_RECORD: recordFile,
    ...extra,
  };
  const read = <T>(path: string): T | undefined => (existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : undefined);
  return { env, dir, pidFile, recordFile, pids: () => read(pidFile), record: () => read(recordFile) };
}

/** True when no such process runs. A zombie counts as gone: it runs nothing, and PID 1 in a container may never reap it. */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/** Polls (bounded) until the process is gone; returns whether it went. */
export async function waitUntilGone(pid: number, withinMs = 10_000): Promise<boolean> {
  const until = Date.now() + withinMs;
  while (Date.now() < until) {
    if (processGone(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return processGone(pid);
}

export async function waitFor<T>(read: () => T | undefined, withinMs = 10_000): Promise<T> {
  const until = Date.now() + withinMs;
  while (Date.now() < until) {
    const value = read();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('timed out waiting');
}
