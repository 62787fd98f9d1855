/**
 * Settings of customer-service's pool sessions: every execution of a prepared statement is planned
 * for the tables as they are now. The write path's statements are named (prepared once per
 * connection, create-batcher.ts and customers.ts), and PostgreSQL would otherwise keep a generic
 * plan made at the connection's sixth execution, often on empty tables, until the next ANALYZE:
 * a plan that probes a few rows by sequential scan while the table grows to 100,000. Planning
 * again costs a fraction of a millisecond per statement, which carries a whole batch.
 */
export const CUSTOMER_SESSION = '-c plan_cache_mode=force_custom_plan';
