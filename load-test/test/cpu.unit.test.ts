import { describe, expect, it } from 'vitest';
import { cpuBudget, groupOf, machineBusySeconds, type CpuSnapshot } from '../src/cpu.js';
import { cpuSection, cpuSummary } from '../src/report/costs-section.js';
import type { LoadReport } from '../src/report/types.js';

describe('CPU groups', () => {
  it('names PostgreSQL sessions by database, its background processes, and RabbitMQ', () => {
    expect(groupOf('postgres: 15/main: customer_service customer_db 127.0.0.1(40312) idle ')).toBe('PostgreSQL, customer_db sessions');
    expect(groupOf('postgres: 15/main: app test_loadbase_1a2b [local] INSERT ')).toBe('PostgreSQL, test_loadbase_1a2b sessions');
    expect(groupOf('postgres: 15/main: walwriter ')).toBe('PostgreSQL, background (WAL writer, checkpointer, autovacuum)');
    expect(groupOf('/usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main ')).toBe('PostgreSQL, background (WAL writer, checkpointer, autovacuum)');
    expect(groupOf('/usr/lib/erlang/erts-15.2.7/bin/beam.smp -W w -- -root /usr/lib/erlang ')).toBe('RabbitMQ (every node on this machine)');
    expect(groupOf('node dist/src/main.js ')).toBeUndefined();
  });

  it("reads the machine's busy time from /proc/stat without idle and iowait", () => {
    // user nice system idle iowait irq softirq steal (1/100 s)
    expect(machineBusySeconds('cpu  1000 10 500 90000 300 20 70 0 0 0\ncpu0 1 2 3\n')).toBe(16);
  });
});

describe('CPU budget of a phase', () => {
  const before: CpuSnapshot = { atMs: 0, groups: new Map([['customer', 10], ['PostgreSQL, customer_db sessions', 5]]), machineBusyS: 100 };
  const after: CpuSnapshot = {
    atMs: 10_000,
    groups: new Map([['customer', 16], ['PostgreSQL, customer_db sessions', 9], ['load generator (this process)', 2]]),
    machineBusyS: 118,
  };

  it('divides each group and the whole machine by the requests, and names the rest', () => {
    // Given 50,000 requests in 10 s on 2 cores, 18 busy seconds of which the groups took 12
    const budget = cpuBudget(before, after, 50_000, 2);
    // Then
    expect(budget.groups.map((g) => [g.name, Math.round(g.usPerRequest)])).toEqual([
      ['customer', 120],
      ['the rest (kernel, other processes)', 120],
      ['PostgreSQL, customer_db sessions', 80],
      ['load generator (this process)', 40],
    ]);
    expect(budget.machineUsPerRequest).toBeCloseTo(360);
    expect(budget.machineBusy).toBeCloseTo(0.9);
    expect(Math.round(budget.ceilingPerS)).toBe(5556);
  });

  it('renders a table of µs per request by phase and a summary line', () => {
    const create = cpuBudget(before, after, 50_000, 2);
    const insert = cpuBudget(before, { ...after, groups: new Map(), machineBusyS: 104 }, 40_000, 2);
    const report = { cpu: { create, insertBaseline: insert } } as unknown as LoadReport;
    const md = cpuSection(report).join('\n');
    expect(md).toContain('| process group | per create | per raw INSERT row |');
    expect(md).toContain('| customer | 120 | — |');
    expect(md).toContain('| **whole machine** | **360** | **100** |');
    expect(md).toContain('| rate the cores allow at this cost | 5,556/s | 20,000/s |');
    expect(cpuSummary(report)).toBe(
      '360 µs per create (customer 120, the rest 120, PostgreSQL, customer_db sessions 80, load generator 40); busy 90% of 2 cores; raw INSERT 100 µs per row',
    );
  });
});

describe('WAL flushes of a phase', () => {
  it('counts requests per flush and WAL bytes per request between two pg_stat_wal snapshots, and the CPU table shows them', async () => {
    const { walFigures } = await import('../src/wal.js');
    // Given 3,000 creates over 1,000 flushes, 600 full-page images and 6 MB of WAL in 20 s, and a raw insert of
    // 20,000 rows over 4,000 flushes and 100 full-page images in 5 s whose sessions have ended (complete counters)
    const create = walFigures({ atMs: 0, syncs: 500, fullPages: 400, bytes: 1e6 }, { atMs: 20_000, syncs: 1_500, fullPages: 1_000, bytes: 7e6 }, 3_000);
    const raw = walFigures({ atMs: 0, syncs: 0, fullPages: 0, bytes: 0 }, { atMs: 5_000, syncs: 4_000, fullPages: 100, bytes: 4e6 }, 20_000, true);
    expect(create).toEqual({ syncs: 1_000, requestsPerSync: 3, fullPagesPerRequest: 0.2, bytesPerRequest: 2_000 });
    // a phase shorter than 10 s with sessions still open: bytes only (their last second of counts is not reported yet)
    const orders = walFigures({ atMs: 0, syncs: 0, fullPages: 0, bytes: 0 }, { atMs: 3_000, syncs: 2, fullPages: 9, bytes: 3e5 }, 1_000);
    expect(orders).toEqual({ bytesPerRequest: 300 });
    // counters reset between the snapshots, or nothing measured: no figure
    expect(walFigures({ atMs: 0, syncs: 10, fullPages: 0, bytes: 0 }, { atMs: 20_000, syncs: 5, fullPages: 0, bytes: 0 }, 100)).toBeUndefined();
    expect(walFigures(undefined, { atMs: 20_000, syncs: 5, fullPages: 0, bytes: 0 }, 100)).toBeUndefined();
    const budget = cpuBudget(
      { atMs: 0, groups: new Map(), machineBusyS: 100 },
      { atMs: 10_000, groups: new Map(), machineBusyS: 118 },
      50_000,
      2,
    );
    const report = { cpu: { create: budget, orders: budget, insertBaseline: budget }, wal: { create, orders }, baselines: { insert: { wal: raw } } } as unknown as LoadReport;
    const md = cpuSection(report).join('\n');
    expect(md).toContain('| requests per WAL flush (the whole PostgreSQL server: every commit waits for one; phases of 10 s or more) | 3.0 | — | 5.0 |');
    expect(md).toContain('| WAL bytes per request | 2,000 | 300 | 200 |');
    expect(md).toContain("| full-page images per request (a page's first change after a checkpoint writes all 8 kB of it; phases of 10 s or more) | 0.20 | — | 0.01 |");
  });
});

describe('statements during the creates', () => {
  it('lists the costliest statements per create from two pg_stat_statements snapshots', async () => {
    const { statementCosts } = await import('../src/pg-statements.js');
    const { statementsSection } = await import('../src/report/costs-section.js');
    const before = new Map([['1:2:3', { database: 'customer_db', query: 'INSERT  INTO customers\n VALUES ($1)', calls: 10, rows: 100, totalMs: 5 }]]);
    const after = new Map([
      ['1:2:3', { database: 'customer_db', query: 'INSERT  INTO customers\n VALUES ($1)', calls: 110, rows: 3100, totalMs: 105 }],
      ['1:2:4', { database: 'customer_db', query: 'DELETE FROM outbox', calls: 50, rows: 3000, totalMs: 10 }],
      ['1:2:5', { database: 'order_db', query: 'SELECT 1', calls: 7, rows: 7, totalMs: 0 }],
    ]);
    const costs = statementCosts(before, after, 3000);
    expect(costs.map((c) => [c.query, c.calls, c.rowsPerCall, c.meanMs, Math.round(c.usPerRequest)])).toEqual([
      ['INSERT INTO customers VALUES ($1)', 100, 30, 1, 33],
      ['DELETE FROM outbox', 50, 60, 0.2, 3],
      ['SELECT 1', 7, 1, 0, 0],
    ]);
    const md = statementsSection({ createStatements: costs } as unknown as LoadReport).join('\n');
    expect(md).toContain('| customer_db | `INSERT INTO customers VALUES ($1)` | 100 | 30.0 | 30.0 | 1.000 | 33 |');
    expect(statementsSection({ createStatements: { notMeasured: 'not loaded' } } as unknown as LoadReport)).toContain('Not measured: not loaded.');
  });
});

describe("the stream's footprint", () => {
  it('divides the segment bytes by the offsets held and says what fits in the retention', async () => {
    const { footprintOf } = await import('../src/stream-footprint.js');
    const { footprintSection } = await import('../src/report/costs-section.js');
    // Given 40 MB of segments for offsets 100,000 … 199,999 and a 1 GB retention
    const footprint = footprintOf('customer', 40_000_000, 100_000n, 199_999n, 1_000_000_000)!;
    expect(footprint.bytesPerEvent).toBe(400);
    expect(footprint.eventsThatFit).toBe(2_500_000);
    expect(footprintOf('customer', 0, -1n, -1n, 1_000_000_000)).toBeUndefined();
    // And a run of 100,000 creates and 25,000 updates
    const report = { settings: { n: 100_000 }, create: { succeeded: 100_000 }, update: { succeeded: 25_000 }, streamFootprint: footprint } as unknown as LoadReport;
    const md = footprintSection(report).join('\n');
    expect(md).toContain('| 400 B (40 MB for ≈ 100,000 events from offset 100000) |');
    expect(md).toContain('| 125,000 ≈ 50 MB = 5% of the retention |');
    expect(md).toContain('≈ 2,500,000 events ≈ 2,000,000 customers at this run\'s 1.25 events per customer |');
  });
});
