import { configDefaults, defineConfig } from 'vitest/config';

// Unit tests need nothing running; integration tests talk to real PostgreSQL and RabbitMQ (scripts/infra.sh up).
// Each integration file uses `test_*` databases and `test-*` streams of its own, so they run two at a time (two cores
// here), except the fault injectors, which the other files would feel: broker-outage stops and starts the shared
// broker, cluster kills a node of the tests' cluster (whose restart takes both cores). They are the project
// integration-faults, one file at a time after integration (groupOrder); make test-int runs both. They run in worker
// threads, each file in a fresh one: 48 files took 209 s in a process each, 179 s so (three at a time: 195 s).
const FAULT_INJECTING = ['customer-service/test/outbox/broker-outage.int.test.ts', 'lib/stream/test/cluster.int.test.ts'];

export default defineConfig({
  test: {
    projects: [
      {
        // Unit tests share worker threads and their module graph (no isolation per file): 57 files took 43 s in a
        // process each (most of it starting processes and importing), 14 s so. Each file leaves no state behind;
        // make test-unit passes in any order (vitest --sequence.shuffle).
        test: {
          name: 'unit',
          include: ['{lib/*,customer-service,order-service,e2e,load-test,reliability,infra}/test/**/*.unit.test.ts'],
          pool: 'threads',
          isolate: false,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['{lib/*,customer-service,order-service,load-test,reliability,infra}/test/**/*.int.test.ts'],
          exclude: [...configDefaults.exclude, ...FAULT_INJECTING],
          pool: 'threads',
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration-faults',
          include: FAULT_INJECTING,
          pool: 'threads',
          fileParallelism: false,
          sequence: { groupOrder: 2 },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // A RabbitMQ node of its own with a TLS stream listener and a certificate made by the test: about 25 s,
        // most of it the node's start (make test-tls, part of make test).
        test: {
          name: 'tls',
          include: ['infra/test/**/*.tls.test.ts'],
          fileParallelism: false,
          testTimeout: 90_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
