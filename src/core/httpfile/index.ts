// The .http language core: parse text into an AST with exact ranges and stable diagnostics.
export * from './ast';
export { parseHttpFile, splitLines, isSeparator, regionBounds } from './parser';
export { createIncrementalParser, type IncrementalParser } from './incremental';
export { scanVariables } from './varRefs';
