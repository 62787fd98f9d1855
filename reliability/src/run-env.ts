/**
 * The settings file of a run directory (`.run/infra.env`, `.run-<system>/infra.env`): what
 * scripts/infra.sh and scripts/second-system.sh write for the clients of the infrastructure in use,
 * and scripts/services.sh sources. The suite reads it too, beneath its own environment.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** `NAME=value` lines (blank lines and # comments skipped; one pair of surrounding quotes removed). Pure. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*?)\s*$/.exec(line);
    if (!match) continue;
    const value = match[2]!;
    out[match[1]!] = /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
  }
  return out;
}

/** `<runDir>/infra.env`, or nothing when there is none. */
export function readRunEnv(runDir: string): Record<string, string> {
  try {
    return parseEnvFile(readFileSync(path.join(runDir, 'infra.env'), 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
}
