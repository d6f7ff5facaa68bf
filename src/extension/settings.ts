// Settings as the rest of the extension sees them. In an untrusted workspace VS Code itself hides
// workspace values of the settings listed in capabilities.untrustedWorkspaces.restrictedConfigurations.
import * as vscode from 'vscode';
import type { ConnectionMode } from '../core/timeline/model';

export interface WirelaneSettings {
  mode: ConnectionMode;
  compareModes: ConnectionMode[];
  timeoutMs: number | undefined;
  bodyLimitBytes: number;
  verifyTls: boolean;
  /** A proxy the user configured for VS Code (http.proxy) or the process (HTTPS_PROXY/HTTP_PROXY). Wirelane does not use it yet. */
  proxy: string | undefined;
  /** VS Code's http.proxySupport: 'off' means the user asked VS Code not to proxy. */
  proxySupport: string;
  recordingFolder: string;
  redactSecrets: boolean;
  environment: string | undefined;
  reuseResponseTab: boolean;
  /** REST Client's `rest-client.environmentVariables` for the selected environment ($shared first). */
  restClientEnv: Record<string, string> | undefined;
}

const MODE_RE = /^(keep-alive|close|h2|pipeline:[1-9][0-9]?)$/;

export function isMode(s: string): s is ConnectionMode {
  return MODE_RE.test(s);
}

export function readSettings(): WirelaneSettings {
  const c = vscode.workspace.getConfiguration('wirelane');
  const http = vscode.workspace.getConfiguration('http');
  const mode = c.get<string>('defaultMode', 'keep-alive');
  const timeout = c.get<number>('timeoutMs', 30000);
  const proxy = http.get<string>('proxy', '').trim() || process.env.HTTPS_PROXY || process.env.https_proxy || process.env.HTTP_PROXY || process.env.http_proxy || undefined;
  return {
    mode: isMode(mode) ? mode : 'keep-alive',
    compareModes: c.get<string[]>('compareModes', ['close', 'keep-alive', 'pipeline:4']).filter(isMode),
    timeoutMs: timeout > 0 ? timeout : undefined,
    bodyLimitBytes: Math.max(1024, c.get<number>('bodyLimitBytes', 10 * 1024 * 1024)),
    // An untrusted workspace never turns verification off.
    verifyTls: vscode.workspace.isTrusted ? c.get<boolean>('tls.verify', true) : true,
    proxy,
    proxySupport: http.get<string>('proxySupport', 'override'),
    recordingFolder: c.get<string>('recording.folder', '.wirelane/sessions'),
    redactSecrets: c.get<boolean>('recording.redactSecrets', true),
    environment: c.get<string>('environment', '').trim() || undefined,
    reuseResponseTab: c.get<boolean>('response.reuseTab', false),
    restClientEnv: restClientEnv(c.get<string>('environment', '').trim() || undefined),
  };
}

/** People coming from REST Client keep their environments in settings: honour them for the selected one. */
function restClientEnv(env: string | undefined): Record<string, string> | undefined {
  const all = vscode.workspace.getConfiguration('rest-client').get<Record<string, Record<string, unknown>>>('environmentVariables');
  if (!all || typeof all !== 'object') return undefined;
  const out: Record<string, string> = {};
  for (const scope of ['$shared', ...(env ? [env] : [])]) {
    const vars = all[scope];
    if (vars && typeof vars === 'object') for (const [k, v] of Object.entries(vars)) if (typeof v === 'string' || typeof v === 'number') out[k] = String(v);
  }
  return Object.keys(out).length ? out : undefined;
}
