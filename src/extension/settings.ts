// Settings as the rest of the extension sees them. In an untrusted workspace VS Code itself hides
// workspace values of the settings listed in capabilities.untrustedWorkspaces.restrictedConfigurations.
import * as vscode from 'vscode';
import type { ConnectionMode } from '../core/timeline/model';
import { proxyFromEnv, splitNoProxy, type ProxyOptions } from '../runner/http/proxy';
import { resolveNetwork, type NetworkConditions } from '../core/network';

export interface WirelaneSettings {
  mode: ConnectionMode;
  compareModes: ConnectionMode[];
  timeoutMs: number | undefined;
  bodyLimitBytes: number;
  verifyTls: boolean;
  /**
   * The proxy HTTP requests go through: `wirelane.proxy`, else VS Code's http.proxy (with http.noProxy),
   * else HTTPS_PROXY/HTTP_PROXY/NO_PROXY; undefined when direct (`wirelane.proxy` = "off").
   */
  proxy: ProxyOptions | undefined;
  /** `wirelane.network`: simulated conditions for every connection, or undefined (the real network). */
  network: NetworkConditions | undefined;
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

/** `choice`: where the selected environment comes from (the person's pick); else the setting. */
export function readSettings(choice?: { selected(): string | undefined }): WirelaneSettings {
  const c = vscode.workspace.getConfiguration('wirelane');
  const environment = choice ? choice.selected() : c.get<string>('environment', '').trim() || undefined;
  const http = vscode.workspace.getConfiguration('http');
  const mode = c.get<string>('defaultMode', 'keep-alive');
  const timeout = c.get<number>('timeoutMs', 30000);
  const proxySupport = http.get<string>('proxySupport', 'override');
  const proxy = proxySetting(c.get<string>('proxy', ''), http, proxySupport);
  return {
    mode: isMode(mode) ? mode : 'keep-alive',
    compareModes: c.get<string[]>('compareModes', ['close', 'keep-alive', 'pipeline:4']).filter(isMode),
    timeoutMs: timeout > 0 ? timeout : undefined,
    bodyLimitBytes: Math.max(1024, c.get<number>('bodyLimitBytes', 10 * 1024 * 1024)),
    // An untrusted workspace never turns verification off.
    verifyTls: vscode.workspace.isTrusted ? c.get<boolean>('tls.verify', true) : true,
    proxy,
    network: networkSetting(c.get<string>('network', 'off')),
    proxySupport,
    recordingFolder: c.get<string>('recording.folder', '.wirelane/sessions'),
    redactSecrets: c.get<boolean>('recording.redactSecrets', true),
    environment,
    reuseResponseTab: c.get<boolean>('response.reuseTab', false),
    restClientEnv: restClientEnv(environment),
  };
}

/** `wirelane.network`; a value that is not a preset or RTT/DOWN/UP means the real network. */
export function networkSetting(value: string): NetworkConditions | undefined {
  try {
    return resolveNetwork({ network: value });
  } catch {
    return undefined;
  }
}

/**
 * `wirelane.proxy`: a URL wins; "off" connects directly; empty follows VS Code's http.proxy, then
 * the environment — unless http.proxySupport is "off" (the person asked extensions not to proxy).
 */
export function proxySetting(own: string, http: vscode.WorkspaceConfiguration, proxySupport: string): ProxyOptions | undefined {
  const env = process.env;
  const noProxyFromVsCode = http.get<string[]>('noProxy', []);
  const noProxy = Array.isArray(noProxyFromVsCode) && noProxyFromVsCode.length ? noProxyFromVsCode.map(String) : splitNoProxy(env.NO_PROXY ?? env.no_proxy);
  const value = own.trim();
  if (/^(?:off|none|direct)$/i.test(value)) return undefined;
  if (value) return { url: value, noProxy };
  if (proxySupport === 'off') return undefined;
  const fromVsCode = http.get<string>('proxy', '').trim();
  if (fromVsCode) return { url: fromVsCode, noProxy };
  return proxyFromEnv(env);
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
