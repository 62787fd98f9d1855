import pg from 'pg';
import type { LoadConfig } from './config.js';

async function ready(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(3_000) });
    if (response.ok) return undefined;
    return `answers ${response.status} ${(await response.text()).slice(0, 200)}`;
  } catch (error) {
    return `does not answer (${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message})`;
  }
}

async function databaseProblem(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    const table = await client.query(`SELECT to_regclass('customers') AS t`);
    return table.rows[0]?.t ? undefined : 'has no customers table (has the service migrated it?)';
  } catch (error) {
    return `is not reachable (${(error as Error).message})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Problems that stop the run before it starts, one readable line each (empty when ready). */
export async function readinessProblems(config: LoadConfig): Promise<string[]> {
  const checks: Array<Promise<string | undefined>> = [
    ready(config.customerUrl).then((p) => p && `customer-service at ${config.customerUrl} ${p}`),
    ...config.orderUrls.map((url) => ready(url).then((p) => p && `order-service at ${url} ${p}`)),
    databaseProblem(config.customerDatabaseUrl).then((p) => p && `customer_db ${p}`),
    databaseProblem(config.orderDatabaseUrl).then((p) => p && `order_db ${p}`),
  ];
  return (await Promise.all(checks)).filter((problem): problem is string => Boolean(problem));
}
