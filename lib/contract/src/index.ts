export * from './stream.js';
export * from './events.js';
export * from './codec.js';
