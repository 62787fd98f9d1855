/**
 * The services' logs of the run (RUN_DIR/*.log, from where they stood when the suite began): none of the run's
 * emails, no email-shaped string at all, and none of the tokens the suite sent, valid or not.
 */
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { probe, type Probe } from './probe.js';

/** An email address as people write them (a dot in the domain: Erlang node names like rabbit@localhost are not). */
export const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;

export type LogMarks = Map<string, number>;

/** The size of every log file of the run directory: where the run's lines will begin. */
export async function markLogs(runDir: string): Promise<LogMarks> {
  const marks: LogMarks = new Map();
  for (const file of (await readdir(runDir)).filter((name) => name.endsWith('.log'))) marks.set(file, (await stat(path.join(runDir, file))).size);
  return marks;
}

/** What each log file gained since `marks` (a file that appeared counts from its start). */
export async function logsSince(runDir: string, marks: LogMarks): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const file of (await readdir(runDir)).filter((name) => name.endsWith('.log'))) {
    const handle = await open(path.join(runDir, file), 'r');
    try {
      const from = marks.get(file) ?? 0;
      const size = (await handle.stat()).size;
      const buffer = Buffer.alloc(Math.max(0, size - from));
      await handle.read(buffer, 0, buffer.length, from);
      out.set(file, buffer.toString('utf8'));
    } finally {
      await handle.close();
    }
  }
  return out;
}

/** The lines (file:line) where any of `needles` occurs, at most `max`. Pure. */
export function findings(logs: Map<string, string>, match: (line: string) => string | undefined, max = 3): string[] {
  const found: string[] = [];
  for (const [file, text] of logs) {
    for (const [index, line] of text.split('\n').entries()) {
      const what = match(line);
      if (what !== undefined && found.length < max) found.push(`${file}:+${index + 1} ${what}`);
    }
  }
  return found;
}

export function checkLogs(logs: Map<string, string>, run: { emails: string[]; tokens: string[] }): Probe[] {
  const lines = [...logs.values()].reduce((sum, text) => sum + text.split('\n').filter(Boolean).length, 0);
  const files = [...logs.keys()].filter((file) => logs.get(file)!.length > 0);
  const emails = run.emails.map((email) => email.toLowerCase());
  const leakedEmails = findings(logs, (line) => emails.find((email) => line.toLowerCase().includes(email)));
  const anyEmail = findings(logs, (line) => line.match(EMAIL)?.[0]);
  const leakedTokens = findings(logs, (line) => (run.tokens.some((token) => line.includes(token)) ? '(a bearer token)' : undefined));
  const scope = `${lines} lines the run added to ${files.join(', ') || 'no file'}`;
  return [
    probe('logs', `${scope}: the ${run.emails.length} emails the run sent`, 'none', leakedEmails.length === 0 ? 'none' : leakedEmails.join('; '), lines > 0 && leakedEmails.length === 0),
    probe('logs', `the same lines: any email-shaped string`, 'none', anyEmail.length === 0 ? 'none' : anyEmail.join('; '), lines > 0 && anyEmail.length === 0),
    probe('logs', `the same lines: the ${run.tokens.length} bearer tokens the run sent, valid or not`, 'none', leakedTokens.length === 0 ? 'none' : leakedTokens.join('; '), lines > 0 && leakedTokens.length === 0),
  ];
}
