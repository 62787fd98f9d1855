import { fileURLToPath } from 'node:url';
import { readE2eSettings } from './settings.js';

export type { OrderInstance } from './settings.js';

/** The repository root (scripts/services.sh and .run/ live there). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const settings = readE2eSettings();

/** Where the running system answers (make dependencies); see the README's tool settings. */
export const CUSTOMER_URL = settings.customerUrl;
/** The order-service instances of scripts/services.sh, by name and URL, in the order of ORDER_URLS. */
export const ORDER_INSTANCES = settings.orderInstances;
export const ORDER_URLS = ORDER_INSTANCES.map((instance) => instance.url);

export const CUSTOMER_DB_URL = settings.customerDatabaseUrl;
export const ORDER_DB_URL = settings.orderDatabaseUrl;
export const BROKER = settings.broker;
export const STREAM_NAME = settings.streamName;
export const PROMETHEUS_URL = settings.prometheusUrl;

/** The Authorization header of an operator (replica, parked events) and of a reader (the customer list). */
export const AS_OPERATOR: Record<string, string> = settings.tokens.operator ? { authorization: `Bearer ${settings.tokens.operator}` } : {};
export const AS_READER: Record<string, string> = settings.tokens.reader ? { authorization: `Bearer ${settings.tokens.reader}` } : {};

/** E2E_SHARED=1: metric deltas are checked as "at least" (other traffic runs), see settings.ts. */
export const SHARED_SYSTEM = settings.sharedSystem;
