import { defineConfig } from 'vitest/config';

// Unit tests need nothing running; integration tests talk to real PostgreSQL and RabbitMQ
// (scripts/infra.sh up) and run one file at a time because some of them restart the broker.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{lib/*,customer-service,order-service,e2e,load-test,reliability,infra}/test/**/*.unit.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['{lib/*,customer-service,order-service,load-test,reliability,infra}/test/**/*.int.test.ts'],
          fileParallelism: false,
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
