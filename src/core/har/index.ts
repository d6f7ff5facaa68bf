export * from './types';
export * from './write';
export { readHar, type HarReadResult } from './read';
