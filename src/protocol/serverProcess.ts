// How the client starts the language server process: shared by the extension (which forks
// dist/server.js) and the server benchmark (which must measure the process the editor runs).

/**
 * Node flags for the server process. A 2 MB semi-space (young generation 6 MB instead of up to
 * 48 MB): the AST of an open document is long-lived, so a large young generation only delays its
 * promotion and keeps tens of MB of dead copies resident. Measured with `npm run bench -- server`
 * on a 10,000-request document: resident memory 171 → 116–124 MB, and the cold first parse and
 * resolve faster, not slower (see BENCHMARKS.md).
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2'];
