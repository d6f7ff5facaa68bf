// Language server entry: `node dist/server.js --stdio` (also --node-ipc / --socket=N, as
// vscode-languageserver reads the transport from the command line).
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server';

const connection = createConnection(ProposedFeatures.all);
// A stray exception must not kill the server the editor depends on: log it and keep serving.
process.on('uncaughtException', (err) => connection.console.error(`uncaught: ${err.stack ?? err.message}`));
process.on('unhandledRejection', (err) => connection.console.error(`unhandled rejection: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`));
startServer(connection);
