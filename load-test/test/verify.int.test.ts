import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabases, type Databases } from '../src/databases.js';
import { AddressKind, addressOf, emailOf, newModel, type RunModel } from '../src/phases/model.js';
import { verifyRun } from '../src/verify.js';

// The verifier against real PostgreSQL: two databases shaped like customer_db and the replica,
// compared range by range; a single wrong row must fail the run and be named.

const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://app:app@127.0.0.1:5432/postgres';
const N = 2_500;
const suffix = randomUUID().slice(0, 8);
const names = [`test_verify_source_${suffix}`, `test_verify_replica_${suffix}`];
let dbs: Databases;
let model: RunModel;

async function admin(text: string) {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

const urlOf = (name: string) => Object.assign(new URL(ADMIN_URL), { pathname: `/${name}` }).toString();

beforeAll(async () => {
  for (const name of names) await admin(`CREATE DATABASE "${name}"`);
  dbs = openDatabases(urlOf(names[0]!), urlOf(names[1]!));
  await dbs.customer.query(`CREATE TABLE customers (id uuid PRIMARY KEY, email text NOT NULL, address text NOT NULL, version int NOT NULL, deleted_at timestamptz)`);
  await dbs.order.query(`CREATE TABLE customers (id uuid PRIMARY KEY, address text NOT NULL, version int NOT NULL, deleted boolean NOT NULL)`);
  // A run of N customers, every one acknowledged, the same on both sides.
  model = newModel(`v${suffix}`, N);
  for (let i = 0; i < N; i++) {
    model.ids[i] = randomUUID();
    model.addresses[i] = i % 5 === 0 ? AddressKind.unknown : i % 2 === 0 ? AddressKind.created : AddressKind.updated + (i % 3);
    model.writes[i] = 1 + (i % 3);
  }
  const rows = Array.from({ length: N }, (_, i) => ({
    id: model.ids[i],
    email: emailOf(model.runId, i),
    address: addressOf(model, i),
    version: model.writes[i],
    deleted: i % 7 === 0,
  }));
  await dbs.customer.query(
    `INSERT INTO customers SELECT id, email, address, version, CASE WHEN deleted THEN now() END FROM json_to_recordset($1::json) AS t(id uuid, email text, address text, version int, deleted boolean)`,
    [JSON.stringify(rows)],
  );
  await dbs.order.query(`INSERT INTO customers SELECT id, address, version, deleted FROM json_to_recordset($1::json) AS t(id uuid, address text, version int, deleted boolean)`, [
    JSON.stringify(rows),
  ]);
});

afterAll(async () => {
  await dbs?.close();
  for (const name of names) await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
});

describe('verifyRun, range by range', () => {
  it('passes when both databases hold the same rows, over several ranges', async () => {
    const verification = await verifyRun(dbs, model, undefined, undefined, 1_000);
    expect(verification.problems).toEqual([]);
    expect(verification.ok).toBe(true);
    expect(verification.ranges).toMatchObject({ count: 3, size: 1_000, mismatched: [] });
    expect([verification.sourceCount, verification.replicaCount]).toEqual([N, N]);
  });

  it('fails on one wrong field, one missing and one extra row, and names their ids and ranges', async () => {
    // Given the replica with one address wrong, one row missing, and a row of the run that customer_db does not hold
    const [wrong, missing] = [model.ids[10]!, model.ids[2_000]!];
    const extra = randomUUID();
    await dbs.order.query(`UPDATE customers SET address = 'Wrong Road' WHERE id = $1`, [wrong]);
    await dbs.order.query(`DELETE FROM customers WHERE id = $1`, [missing]);
    await dbs.order.query(`INSERT INTO customers VALUES ($1, 'Ghost Road', 1, false)`, [extra]);
    const withExtra = newModel(model.runId, N + 1);
    withExtra.ids = [...model.ids, extra];
    withExtra.addresses.set(model.addresses);
    withExtra.addresses[N] = AddressKind.created;
    withExtra.writes.set(model.writes);
    withExtra.writes[N] = 1;
    try {
      // When
      const verification = await verifyRun(dbs, withExtra, undefined, undefined, 1_000);
      // Then
      expect(verification.ok).toBe(false);
      expect(verification.diff).toMatchObject({ missing: 1, extra: 1, different: 1 });
      const listed = verification.ranges.mismatched.flatMap((range) => range.ids);
      expect(listed.sort()).toEqual([wrong, missing, extra].sort());
      for (const range of verification.ranges.mismatched) for (const id of range.ids) expect(id >= range.from && id <= range.to).toBe(true);
      // (the extra id was acknowledged in this model but is not in customer_db: that is said too)
      expect(verification.notAsAcknowledged).toEqual([`${extra}: acknowledged (201) but not in customer_db`]);
      expect(verification.problems.join(' ')).toMatch(/replica differs from customer_db in [1-3] of 3 id ranges: 1 missing, 1 extra, 1 different/);
    } finally {
      await dbs.order.query(`DELETE FROM customers WHERE id = $1`, [extra]);
    }
  });
});
