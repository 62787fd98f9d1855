/**
 * What the security suite needs beyond the chaos suite's settings (SystemEnv, RUN_DIR): the HTTP limits the
 * services of the system under test were started with (read from the same environment, with the services'
 * defaults), and the infrastructure's service accounts of .run/credentials.env (scripts/infra/credentials.sh).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { HttpEnv, loadConfig } from '@demo/service-kit/config';
import { parseEnvFile } from '../run-env.js';
import { loadSettings, type Settings } from '../settings.js';

export interface ServiceAccounts {
  customerDatabaseUrl: string;
  orderDatabaseUrl: string;
  customerRabbitPassword: string;
  orderRabbitPassword: string;
}

export interface SecuritySettings extends Settings {
  limits: {
    ratePerMinute: number;
    rateAllow: string;
    headersTimeoutMs: number;
    requestTimeoutMs: number;
  };
  accounts: ServiceAccounts;
}

/** The accounts of a credentials.env; a ConfigError-like Error naming what is missing. */
export function accountsOf(credentials: Record<string, string>, file: string): ServiceAccounts {
  const need = (name: string) => {
    const value = credentials[name];
    if (!value) throw new Error(`${file} has no ${name}: the security suite probes the services' own accounts (make dependencies makes them)`);
    return value;
  };
  return {
    customerDatabaseUrl: need('CUSTOMER_SERVICE_DATABASE_URL'),
    orderDatabaseUrl: need('ORDER_SERVICE_DATABASE_URL'),
    customerRabbitPassword: need('CUSTOMER_SERVICE_RABBITMQ_PASSWORD'),
    orderRabbitPassword: need('ORDER_SERVICE_RABBITMQ_PASSWORD'),
  };
}

export function loadSecuritySettings(env: NodeJS.ProcessEnv = process.env): SecuritySettings {
  const settings = loadSettings(env);
  const limits = loadConfig(
    {
      RATE_LIMIT_PER_MINUTE: HttpEnv.RATE_LIMIT_PER_MINUTE,
      RATE_LIMIT_ALLOW: HttpEnv.RATE_LIMIT_ALLOW,
      HTTP_HEADERS_TIMEOUT_MS: HttpEnv.HTTP_HEADERS_TIMEOUT_MS,
      HTTP_REQUEST_TIMEOUT_MS: HttpEnv.HTTP_REQUEST_TIMEOUT_MS,
    },
    env,
  );
  const file = path.join(settings.repo, '.run', 'credentials.env');
  let credentials: Record<string, string>;
  try {
    credentials = parseEnvFile(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read ${file} (${(error as NodeJS.ErrnoException).code}): the security suite probes the services' own accounts (make dependencies makes them)`);
  }
  return {
    ...settings,
    limits: {
      ratePerMinute: limits.RATE_LIMIT_PER_MINUTE,
      rateAllow: limits.RATE_LIMIT_ALLOW,
      headersTimeoutMs: limits.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: limits.HTTP_REQUEST_TIMEOUT_MS,
    },
    accounts: accountsOf(credentials, file),
  };
}
