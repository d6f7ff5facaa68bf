// Forward proxies: which requests go through one, how its URL and credentials are read, and the
// CONNECT tunnel for https:// targets. The tunnel is opened on a plain net socket of our own
// (not node:http, which VS Code's proxy support patches, and not undici's ProxyAgent, whose
// proxy socket the tracker could not see): the tracker then records the very TCP connection
// the proxy server accepted.

import net from 'node:net';
import { WlError } from '../../core/errors';

export interface ProxyOptions {
  /** `http://[user:pass@]host:port` */
  url: string;
  /** Hosts that go direct, NO_PROXY style: `localhost`, `127.0.0.1`, `.example.com`, `example.com:8080`, `*`. */
  noProxy?: string[];
}

export interface ProxyPlan {
  host: string;
  port: number;
  /** scheme://host:port, without credentials: what the timeline and the HAR show. */
  origin: string;
  /** `Basic …` from the URL's user info, sent to the proxy only. */
  authorization?: string;
  noProxy: NoProxyRule[];
}

interface NoProxyRule {
  host: string;
  port?: number;
  /** `.example.com` or `*.example.com`: only subdomains; `example.com` matches itself and subdomains. */
  subOnly: boolean;
}

/** Reads a proxy URL; a URL Wirelane cannot use is WL_PROXY (bad settings, not a network failure). */
export function parseProxy(opts: ProxyOptions): ProxyPlan {
  const raw = opts.url.trim();
  let url: URL;
  try {
    // `HTTPS_PROXY=127.0.0.1:3128` without a scheme is common; curl reads it as http://.
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
  } catch {
    throw new WlError('WL_PROXY', `The proxy URL is not a URL: ${redactUserInfo(raw)}`, { phase: 'connect' });
  }
  if (url.protocol !== 'http:') {
    throw new WlError('WL_PROXY', `Only http:// proxies are supported, not ${url.protocol}// (${redactUserInfo(raw)})`, { phase: 'connect' });
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 80);
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  return {
    host,
    port,
    origin: `${url.protocol}//${url.host}`,
    authorization: user || pass ? `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` : undefined,
    noProxy: parseNoProxyRules(opts.noProxy ?? []),
  };
}

/** `user:pass@` out of a URL-ish string, for messages. */
export function redactUserInfo(s: string): string {
  return s.replace(/\/\/[^/@\s]*@/, '//');
}

/** NO_PROXY's comma (or space) separated list. */
export function splitNoProxy(value: string | undefined): string[] {
  return (value ?? '')
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

function parseNoProxyRules(list: string[]): NoProxyRule[] {
  const out: NoProxyRule[] = [];
  for (const item of list) {
    let s = item.trim().toLowerCase();
    if (!s) continue;
    if (s === '*') {
      out.push({ host: '*', subOnly: false });
      continue;
    }
    let port: number | undefined;
    const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
    if (bracket) {
      s = bracket[1];
      port = bracket[2] ? Number(bracket[2]) : undefined;
    } else {
      const m = /^([^:]+):(\d+)$/.exec(s);
      if (m) {
        s = m[1];
        port = Number(m[2]);
      }
    }
    const subOnly = s.startsWith('.') || s.startsWith('*.');
    out.push({ host: s.replace(/^\*?\./, ''), port, subOnly });
  }
  return out;
}

/** True when `url` must go direct under the NO_PROXY rules. */
export function bypassesProxy(plan: ProxyPlan, url: URL): boolean {
  if (plan.noProxy.length === 0) return false;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  for (const r of plan.noProxy) {
    if (r.host === '*') return true;
    if (r.port !== undefined && r.port !== port) continue;
    if (host === r.host ? !r.subOnly : host.endsWith(`.${r.host}`)) return true;
  }
  return false;
}

/**
 * The proxy the environment names, curl style: HTTPS_PROXY, then HTTP_PROXY (either case), with
 * NO_PROXY. One proxy carries both schemes (a different proxy per scheme is not supported).
 */
export function proxyFromEnv(env: Record<string, string | undefined>): ProxyOptions | undefined {
  const url = env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy || env.ALL_PROXY || env.all_proxy;
  if (!url?.trim()) return undefined;
  return { url: url.trim(), noProxy: splitNoProxy(env.NO_PROXY ?? env.no_proxy) };
}

const MAX_HEAD = 16 * 1024;

/**
 * Sends `CONNECT host:port` on `socket` (already connecting to the proxy) and calls `done` once:
 * with no error when the proxy answered 2xx (the socket is then a byte pipe to the target), or
 * with a WlError WL_PROXY (refused, 407) or the socket's own error.
 */
export function requestTunnel(socket: net.Socket, target: string, authorization: string | undefined, timeoutMs: number, done: (err: Error | undefined) => void): void {
  let finished = false;
  let head = Buffer.alloc(0);
  const finish = (err: Error | undefined, rest?: Buffer) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('close', onClose);
    socket.off('connect', onConnect);
    if (err) socket.destroy();
    else if (rest && rest.length) socket.unshift(rest);
    done(err);
  };
  const onConnect = () => {
    const lines = [`CONNECT ${target} HTTP/1.1`, `Host: ${target}`];
    if (authorization) lines.push(`Proxy-Authorization: ${authorization}`);
    socket.write(lines.join('\r\n') + '\r\n\r\n');
  };
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) {
      if (head.length > MAX_HEAD) finish(new WlError('WL_PROXY', `The proxy's answer to CONNECT ${target} has no end of headers within ${MAX_HEAD} bytes`, { phase: 'connect' }));
      return;
    }
    socket.pause();
    const statusLine = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
    const status = m ? Number(m[1]) : 0;
    if (status >= 200 && status < 300) {
      finish(undefined, head.subarray(end + 4));
      return;
    }
    const why = status === 407 ? 'the proxy wants credentials (407): put them in the proxy URL, http://user:pass@host:port' : `the proxy answered "${statusLine}"`;
    finish(new WlError('WL_PROXY', `The proxy did not open a tunnel to ${target}: ${why}`, { phase: 'connect' }));
  };
  const onClose = () => finish(Object.assign(new Error(`The proxy closed the connection before answering CONNECT ${target}`), { code: 'UND_ERR_SOCKET' }));
  const timer = setTimeout(() => finish(Object.assign(new Error(`The proxy did not open a tunnel to ${target} within ${timeoutMs} ms`), { code: 'UND_ERR_CONNECT_TIMEOUT' })), timeoutMs);
  timer.unref?.();
  socket.on('data', onData);
  socket.once('close', onClose);
  socket.once('error', (e) => finish(e));
  if (socket.connecting) socket.once('connect', onConnect);
  else onConnect();
}
