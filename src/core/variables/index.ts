// Variables, environments and the resolver: from a parsed region to a ResolvedRequest.
export { diagnosticToError, resolveRegion, variableDiagnostics, type ResolveResult } from './buildRequest';
export { VariableResolver, type ResolveContext, type Substituted } from './resolver';
export type { NamedExchange } from './chaining';
export { parseRequestRef, selectFromExchange, type RequestRef } from './chaining';
export { evaluateBuiltin } from './builtins';
export { scanRefs, type FoundRef } from './scan';
export { environmentNames, flattenRestClientSettings, loadEnvironments, loadDotenv, lookupEnv, PUBLIC_ENV_FILE, PRIVATE_ENV_FILE, type LoadedEnvironments } from './environments';
export { authBuiltin, authConfig, authField, environmentObject, inputBuiltin, isSecretName, promptDirective, type Ask, type AuthConfig } from './asks';
export { findNamedRegion, importDiagnostics, loadImports, parseRunTarget, usesImports, type ImportedFile, type RunTarget } from './imports';
