export * from './stream.js';
export * from './events.js';
export * from './codec.js';
export * from './snapshot.js';
export * from './partition.js';
