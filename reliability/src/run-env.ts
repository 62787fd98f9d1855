/**
 * The settings files of a run directory (`.run/`, `.run-<system>/`): infra.env, what scripts/infra.sh
 * and scripts/second-system.sh write for the clients of the infrastructure in use, system.env, the
 * system's shape scripts/services.sh remembers, and tokens.env,
 * the services' tokens scripts/services.sh makes. The services source both; the suite reads them
 * too, beneath its own environment.
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

/**
 * `<runDir>/infra.env`, `<runDir>/system.env` (the shape scripts/services.sh up was given: ORDER_URLS,
 * STREAM_PARTITIONS) and `<runDir>/tokens.env` (later ones win), each nothing when missing.
 */
export function readRunEnv(runDir: string): Record<string, string> {
  return { ...readEnvFile(path.join(runDir, 'infra.env')), ...readEnvFile(path.join(runDir, 'system.env')), ...readEnvFile(path.join(runDir, 'tokens.env')) };
}

function readEnvFile(file: string): Record<string, string> {
  try {
    return parseEnvFile(readFileSync(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
}
