import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('customers')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('address', 'text')
    .addColumn('version', 'integer', (col) => col.notNull())
    .addColumn('deleted', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull())
    .addColumn('last_event_offset', 'bigint', (col) => col.notNull())
    .execute();

  await db.schema
    .createTable('orders')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('customer_id', 'uuid', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull().check(sql`status IN ('Processing', 'Failed')`))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('orders_customer_id_idx').on('orders').columns(['customer_id', 'created_at']).execute();

  await db.schema
    .createTable('consumer_offsets')
    .addColumn('consumer_name', 'text', (col) => col.notNull())
    .addColumn('stream', 'text', (col) => col.notNull())
    .addColumn('last_offset', 'bigint')
    .addColumn('generation', 'integer', (col) => col.notNull().defaultTo(1))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('consumer_offsets_pk', ['consumer_name', 'stream'])
    .execute();

  await db.schema
    .createTable('parked_events')
    .addColumn('stream_offset', 'bigint', (col) => col.primaryKey())
    .addColumn('event_id', 'text')
    .addColumn('event_type', 'text')
    .addColumn('reason', 'text', (col) => col.notNull())
    .addColumn('detail', 'text', (col) => col.notNull())
    .addColumn('raw_body', 'bytea', (col) => col.notNull())
    .addColumn('body_bytes', 'integer', (col) => col.notNull())
    .addColumn('annotations', 'jsonb', (col) => col.notNull())
    .addColumn('parked_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['parked_events', 'consumer_offsets', 'orders', 'customers']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
