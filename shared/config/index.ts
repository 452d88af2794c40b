export * from './model.js';
export * from './issues.js';
export * from './units.js';
export * from './schema.js';
export * from './normalize.js';
export * from './listeners.js';
export * from './load.js';
export * from './yaml-lines.js';
