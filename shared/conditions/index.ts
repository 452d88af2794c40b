export * from './ast.js';
export * from './parser.js';
export * from './match.js';
export * from './explain.js';
export * from './request-view.js';
export * from './user-agents.js';
