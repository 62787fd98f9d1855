// Create throughput and outbox publish lag of customer-service, against the raw single-row insert.
// Usage (after `npx tsc -b`): node customer-service/bench/create-throughput.mjs [connections=64] [seconds=10]
// Starts the built service on its own database test_customer_bench_<random> and stream, then drops both.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { connect } from 'rabbitmq-stream-js-client';

const connections = Number(process.argv[2] ?? 64);
const seconds = Number(process.argv[3] ?? 10);
const suffix = randomUUID().slice(0, 8);
const base = new URL(process.env.DATABASE_URL ?? 'postgres://app:app@127.0.0.1:5432/customer_db');
const databaseUrl = Object.assign(new URL(base), { pathname: `/test_customer_bench_${suffix}` }).toString();
const stream = `test-customer-bench-${suffix}`;
const port = 18_000 + Math.floor(Math.random() * 1000);
const url = `http://127.0.0.1:${port}`;

async function admin(sqlText) {
  const client = new pg.Client({ connectionString: Object.assign(new URL(base), { pathname: '/postgres' }).toString() });
  await client.connect();
  try {
    await client.query(sqlText);
  } finally {
    await client.end();
  }
}

/** Raw baseline: single-row autocommit INSERTs, `connections` in flight over a 20-client pool. */
async function rawInsertRate() {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 20 });
  await pool.query('CREATE TABLE IF NOT EXISTS bench_raw (id uuid PRIMARY KEY, body text NOT NULL)');
  let done = 0;
  const until = Date.now() + 5_000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < until) {
        await pool.query('INSERT INTO bench_raw (id, body) VALUES ($1, $2)', [randomUUID(), 'x'.repeat(150)]);
        done++;
      }
    }),
  );
  await pool.query('DROP TABLE bench_raw');
  await pool.end();
  return done / 5;
}

function quantile(buckets, count, q) {
  const rank = q * count;
  let previous = { le: 0, n: 0 };
  for (const bucket of buckets) {
    if (bucket.n >= rank) {
      if (!Number.isFinite(bucket.le)) return previous.le;
      const share = bucket.n === previous.n ? 1 : (rank - previous.n) / (bucket.n - previous.n);
      return previous.le + (bucket.le - previous.le) * share;
    }
    previous = bucket;
  }
  return previous.le;
}

async function lagQuantiles() {
  const text = await (await fetch(`${url}/metrics`)).text();
  const buckets = [...text.matchAll(/^outbox_publish_lag_seconds_bucket\{le="([^"]+)"\} (\d+)/gm)].map((m) => ({
    le: m[1] === '+Inf' ? Infinity : Number(m[1]),
    n: Number(m[2]),
  }));
  const count = Number(/^outbox_publish_lag_seconds_count (\d+)/m.exec(text)?.[1] ?? 0);
  return { count, p50: quantile(buckets, count, 0.5), p99: quantile(buckets, count, 0.99) };
}

async function main() {
  const main = fileURLToPath(new URL('../dist/src/main.js', import.meta.url));
  // BENCH_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", to profile the service
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const service = spawn(process.execPath, [...nodeArgs, main], {
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: databaseUrl, STREAM_NAME: stream },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    for (let i = 0; ; i++) {
      const ready = await fetch(`${url}/ready`).then((r) => r.ok).catch(() => false);
      if (ready) break;
      if (i > 300) throw new Error('service not ready');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const raw = await rawInsertRate();
    let n = 0;
    const result = await autocannon({
      url,
      connections,
      duration: seconds,
      requests: [
        {
          method: 'POST',
          path: '/customers',
          headers: { 'content-type': 'application/json' },
          setupRequest: (request) => {
            const id = `${suffix}-${n++}`;
            return { ...request, body: JSON.stringify({ name: `Bench ${id}`, email: `bench.${id}@example.com`, address: `Street ${id}` }) };
          },
        },
      ],
    });
    // wait for the relay to publish the rest, then read the lag histogram
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    for (let i = 0; i < 300; i++) {
      const { rows } = await pool.query('SELECT count(*)::int AS n FROM outbox');
      if (rows[0].n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await pool.end();
    const lag = await lagQuantiles();
    const created = result['2xx'];
    const rate = created / seconds;
    console.log(
      JSON.stringify(
        {
          connections,
          seconds,
          created,
          non2xx: result.non2xx,
          errors: result.errors,
          createsPerSecond: Math.round(rate),
          latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
          rawSingleRowInsertsPerSecond: Math.round(raw),
          ratioToRawInsert: Number((rate / raw).toFixed(2)),
          outboxPublishLagSeconds: { events: lag.count, p50: Number(lag.p50.toFixed(4)), p99: Number(lag.p99.toFixed(4)) },
        },
        null,
        2,
      ),
    );
  } finally {
    service.kill('SIGTERM');
    await new Promise((resolve) => service.once('exit', resolve));
    await admin(`DROP DATABASE IF EXISTS "test_customer_bench_${suffix}" WITH (FORCE)`).catch(() => undefined);
    const client = await connect({
      hostname: process.env.RABBITMQ_HOST ?? '127.0.0.1',
      port: Number(process.env.RABBITMQ_STREAM_PORT ?? 5552),
      username: process.env.RABBITMQ_USER ?? 'guest',
      password: process.env.RABBITMQ_PASSWORD ?? 'guest',
      vhost: '/',
    });
    await client.deleteStream({ stream }).catch(() => undefined);
    await client.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
