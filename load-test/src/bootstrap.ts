import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Databases, Summary } from './databases.js';
import { replicaSummary } from './databases.js';
import { total } from './prometheus.js';
import { runRebuildCommand } from './rebuild.js';
import { scrape } from './services.js';

export interface BootstrapReport {
  measured: boolean;
  reason?: string;
  /** Customers the instance loaded from customer-service's snapshot (every customer of customer_db). */
  customers?: number;
  /** The instance's own timing of its bootstrap (replica_bootstrap_last_seconds): snapshot read, NDJSON parsed, rows upserted. */
  seconds?: number;
  customersPerS?: number;
  /** After the bootstrap the stream resumes where it stood when the snapshot was asked for: until the replica matches again. */
  convergedSeconds?: number;
}

export interface BootstrapBaseline {
  rows: number;
  seconds: number;
  rowsPerS: number;
  pageSize: number;
}

async function bootstrapMetrics(orderUrls: readonly string[]) {
  const perInstance = await Promise.all(
    orderUrls.map(async (url) => {
      const samples = (await scrape(url)) ?? [];
      return { rows: total(samples, 'replica_bootstrap_rows_total') ?? 0, seconds: total(samples, 'replica_bootstrap_last_seconds') };
    }),
  );
  return perInstance;
}

/**
 * `npm run rebuild -w order-service -- --from-snapshot`: the replica is emptied and an instance
 * loads customer-service's snapshot (GET /internal/snapshot), then resumes the stream. The rate is
 * the instance's own: customers loaded / replica_bootstrap_last_seconds (from its reading of the
 * stream's first offset to its last page upserted). Waits until the replica again holds this run's
 * customers exactly, so that the run ends on a consistent system.
 */
export async function measureBootstrap(
  repoRoot: string,
  orderDatabaseUrl: string,
  orderUrls: readonly string[],
  dbs: Databases,
  source: Summary & { ids: string[] },
  timeoutMs: number,
  onProgress: (line: string) => void,
): Promise<BootstrapReport> {
  const before = await bootstrapMetrics(orderUrls);
  const launched = performance.now();
  const result = await runRebuildCommand(repoRoot, orderDatabaseUrl, ['--from-snapshot']);
  if (result.code !== 0) return { measured: false, reason: `rebuild --from-snapshot failed: ${result.output.trim().split('\n').slice(-3).join(' / ')}` };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await bootstrapMetrics(orderUrls);
    const loaded = now.findIndex((instance, i) => instance.rows > before[i]!.rows && instance.seconds !== undefined && instance.seconds !== before[i]!.seconds);
    onProgress(`bootstrap: ${now.reduce((sum, instance, i) => sum + instance.rows - before[i]!.rows, 0)} customers loaded from the snapshot`);
    if (loaded >= 0 && (await replicaSummary(dbs.order, source.ids)).digest === source.digest) {
      const customers = now[loaded]!.rows - before[loaded]!.rows;
      const seconds = now[loaded]!.seconds!;
      return { measured: true, customers, seconds, customersPerS: customers / seconds, convergedSeconds: (performance.now() - launched) / 1000 };
    }
    if (Date.now() > deadline) return { measured: false, reason: `the replica did not match again within ${timeoutMs} ms after the bootstrap` };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The raw ceiling of a bootstrap on this machine: the same rows (every customer of customer_db:
 * id, address, version, deleted, updated_at), read from customer_db in keyset pages and upserted
 * into a scratch copy of the replica's table (a scratch database, dropped afterwards) with the
 * replica's own upsert shape (unnest arrays, ON CONFLICT … WHERE version < excluded.version), the
 * next page read while the previous one is written. No HTTP, no NDJSON, no bootstrap bookkeeping.
 */
export async function measureBootstrapBaseline(customerDb: pg.Pool, orderDatabaseUrl: string, pageSize = 5_000): Promise<BootstrapBaseline> {
  const name = `test_loadboot_${randomBytes(4).toString('hex')}`;
  const adminUrl = Object.assign(new URL(orderDatabaseUrl), { pathname: '/postgres' }).toString();
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    const scratch = new pg.Client({ connectionString: Object.assign(new URL(orderDatabaseUrl), { pathname: `/${name}` }).toString(), application_name: 'load-test-baseline' });
    await scratch.connect();
    try {
      await scratch.query(`CREATE TABLE customers (id uuid PRIMARY KEY, address text, version integer NOT NULL, deleted boolean NOT NULL DEFAULT false,
        updated_at timestamptz NOT NULL, last_event_offset bigint NOT NULL)`);
      type Page = { ids: string[]; addresses: Array<string | null>; versions: number[]; deleted: boolean[]; updated: string[] };
      const read = async (after: string | null): Promise<Page> => {
        const result = await customerDb.query<{ ids: string[] | null; addresses: Array<string | null>; versions: number[]; deleted: boolean[]; updated: string[] }>(
          `SELECT array_agg(id::text ORDER BY id) AS ids, array_agg(address ORDER BY id) AS addresses, array_agg(version ORDER BY id) AS versions,
                  array_agg(deleted_at IS NOT NULL ORDER BY id) AS deleted, array_agg(updated_at::text ORDER BY id) AS updated
           FROM (SELECT id, address, version, deleted_at, updated_at FROM customers WHERE $1::uuid IS NULL OR id > $1::uuid ORDER BY id LIMIT $2) page`,
          [after, pageSize],
        );
        const row = result.rows[0]!;
        return { ids: row.ids ?? [], addresses: row.addresses ?? [], versions: row.versions ?? [], deleted: row.deleted ?? [], updated: row.updated ?? [] };
      };
      let rows = 0;
      const started = performance.now();
      let page = await read(null);
      while (page.ids.length > 0) {
        const next = page.ids.length < pageSize ? Promise.resolve<Page>({ ids: [], addresses: [], versions: [], deleted: [], updated: [] }) : read(page.ids.at(-1)!);
        await scratch.query(
          `INSERT INTO customers (id, address, version, deleted, updated_at, last_event_offset)
           SELECT *, -1 FROM unnest($1::uuid[], $2::text[], $3::integer[], $4::boolean[], $5::timestamptz[])
           ON CONFLICT (id) DO UPDATE SET address = COALESCE(excluded.address, customers.address), version = excluded.version,
             deleted = customers.deleted OR excluded.deleted, updated_at = excluded.updated_at, last_event_offset = excluded.last_event_offset
           WHERE customers.version < excluded.version`,
          [page.ids, page.addresses, page.versions, page.deleted, page.updated],
        );
        rows += page.ids.length;
        page = await next;
      }
      const seconds = (performance.now() - started) / 1000;
      return { rows, seconds, rowsPerS: rows / seconds, pageSize };
    } finally {
      await scratch.end();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}
