// Placeholder until the load test lands (issue 6): checks that the system is up and says so.
const base = process.env.CUSTOMER_URL ?? 'http://127.0.0.1:8080';
const response = await fetch(`${base}/health`).catch(() => undefined);
if (!response?.ok) {
  console.error(`load-test: customer-service is not ready at ${base}; run make dependencies first`);
  process.exit(1);
}
console.error('load-test: not implemented yet');
process.exit(1);
