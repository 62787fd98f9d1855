export { until } from './poll.js';
export { capturedOutput } from './captured-output.js';
export {
  REPO_ROOT,
  ADMIN_DATABASE_URL,
  broker,
  suffix,
  adminQuery,
  createTestDatabase,
  testPool,
  deleteStream,
  freePort,
  infra,
  testCluster,
  TEST_TOKENS,
  bearer,
} from './resources.js';
export type { TestDatabase } from './resources.js';
export { ServiceProcess } from './service-process.js';
export type { ServiceKind } from './service-process.js';
