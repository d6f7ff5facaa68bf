// Maps what Node, undici and OpenSSL throw to Wirelane's stable codes. Decisions are made
// on `err.code` (and the phase the exchange was in), never on the text of `err.message`.

import { WlError, type Phase, type SourceLocation } from '../../core/errors';

/** Where the exchange was when it failed, as the tracker saw it. */
export type ExchangeStage = 'queued' | 'connecting' | 'sending' | 'waiting' | 'receiving';

const CERT_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'ERR_TLS_CERT_SIGNATURE_ALGORITHM_UNSUPPORTED',
]);

function stagePhase(stage: ExchangeStage): Phase {
  switch (stage) {
    case 'queued':
    case 'connecting':
      return 'connect';
    case 'sending':
      return 'send';
    case 'waiting':
      return 'wait';
    case 'receiving':
      return 'receive';
  }
}

function codeOf(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    return (err as { code: string }).code;
  }
  return undefined;
}

/** Turns any failure of one exchange into a WlError with code, phase, hint and source. */
export function toWlError(err: unknown, stage: ExchangeStage, source?: SourceLocation): WlError {
  if (err instanceof WlError) {
    if (err.source || !source) return err;
    return new WlError(err.code, err.message, { phase: err.phase ?? stagePhase(stage), hint: err.hint, source, cause: err });
  }
  // undici wraps some socket errors; the original code is on `cause`.
  let code = codeOf(err);
  const cause = err && typeof err === 'object' ? (err as { cause?: unknown }).cause : undefined;
  if ((code === undefined || code === 'UND_ERR_SOCKET') && codeOf(cause)) code = codeOf(cause);
  const msg = err instanceof Error ? err.message : String(err);
  const make = (wl: string, phase: Phase, what: string) => new WlError(wl, `${what} (${code ?? 'error'}: ${msg})`, { phase, source, cause: err });

  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' || code === 'EAI_FAIL') {
    return make('WL_DNS', 'dns', 'The host name did not resolve');
  }
  if (code === 'ECONNREFUSED') return make('WL_CONNECT_REFUSED', 'connect', 'Connection refused');
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || (code === 'ETIMEDOUT' && (stage === 'connecting' || stage === 'queued'))) {
    return make('WL_CONNECT_TIMEOUT', 'connect', 'The connection did not complete in time');
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EADDRNOTAVAIL') {
    return make('WL_CONNECT_REFUSED', 'connect', 'The host cannot be reached');
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return make('WL_TLS_HOSTNAME', 'tls', 'The certificate does not name this host');
  if (code && CERT_CODES.has(code)) return make('WL_TLS_CERT', 'tls', 'The server’s certificate is not trusted');
  if (code && (code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') || code === 'EPROTO' || code === 'UND_ERR_PRX_TLS')) {
    return make('WL_TLS', 'tls', 'The TLS handshake failed');
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return make('WL_TIMEOUT', 'wait', 'No response headers in time');
  if (code === 'UND_ERR_BODY_TIMEOUT') return make('WL_TIMEOUT', 'receive', 'The response body stalled');
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_HTTP2_STREAM_ERROR' || code === 'ERR_HTTP2_SESSION_ERROR') {
    if (stage === 'connecting' || stage === 'queued') return make('WL_RESET', 'connect', 'The server reset the connection');
    return make('WL_RESET', stagePhase(stage), 'The server reset the connection');
  }
  if (code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED' || code === 'ERR_HTTP2_GOAWAY_SESSION' || code === 'ERR_STREAM_PREMATURE_CLOSE') {
    return make('WL_CLOSED', stagePhase(stage === 'queued' ? 'connecting' : stage), 'The server closed the connection before the response was complete');
  }
  if (code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') {
    return make('WL_CLOSED', 'receive', 'The body ended before its Content-Length');
  }
  if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR' || code === 'ERR_BROTLI_DECOMPRESSION_FAILED' || (code !== undefined && code.startsWith('ERR__ERROR_'))) {
    return make('WL_PROTOCOL', 'receive', 'The body is not valid for its Content-Encoding');
  }
  // undici brands parser errors; their `code` is sometimes unset.
  const parserError = !!err && typeof err === 'object' && (err as Record<symbol, unknown>)[Symbol.for('undici.error.UND_ERR_HTTP_PARSER')] === true;
  if (parserError || (code && code.startsWith('HPE_')) || code === 'UND_ERR_HEADERS_OVERFLOW' || code === 'UND_ERR_INFO' || (code && code.startsWith('ERR_HTTP2_'))) {
    return make('WL_PROTOCOL', stagePhase(stage === 'queued' || stage === 'connecting' ? 'waiting' : stage), 'The server sent something that is not valid HTTP');
  }
  if (
    code === 'UND_ERR_INVALID_ARG' ||
    code === 'ERR_INVALID_URL' ||
    code === 'ERR_INVALID_ARG_TYPE' ||
    code === 'ERR_INVALID_ARG_VALUE' ||
    code === 'ERR_INVALID_HTTP_TOKEN' ||
    code === 'ERR_INVALID_CHAR'
  ) {
    return new WlError('WL_REQUEST_INVALID', `The request cannot be sent as written (${code}: ${msg})`, { phase: 'send', source, cause: err });
  }
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
    return new WlError('WL_FILE_NOT_FOUND', `A body file cannot be read (${code}: ${msg})`, { phase: 'send', source, cause: err });
  }
  return new WlError('WL_INTERNAL', `Unexpected failure (${code ?? (err instanceof Error ? err.name : 'error')}: ${msg})`, {
    phase: stagePhase(stage),
    source,
    cause: err,
  });
}
