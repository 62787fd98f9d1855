export { backoffDelay, sleep, withTimeout, errorMessage } from './async.js';
