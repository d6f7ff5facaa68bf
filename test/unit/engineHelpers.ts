// Shared by the engine tests: requests as the resolver makes them, and the ground-truth check.
import assert from 'node:assert/strict';
import type { ResolvedRequest } from '../../src/core/request';
import type { Run } from '../../src/core/timeline/model';

let line = 0;
export function request(url: string, extra: Partial<ResolvedRequest> = {}): ResolvedRequest {
  line += 4;
  return {
    kind: 'http',
    regionIndex: line / 4,
    source: { file: 'test.http', line },
    method: 'GET',
    url,
    headers: [],
    wsSteps: [],
    secrets: [],
    ...extra,
  };
}

/**
 * For every exchange (matched in order to the server's log by path): its connection's local
 * port is the port the server saw, and two exchanges share a connection iff they share a port.
 */
export function assertGroundTruth(run: Run, seen: Array<{ url?: string; path?: string; remotePort: number }>): void {
  const served = run.exchanges.filter((e) => e.response);
  assert.equal(served.length, seen.length, 'every answered exchange was seen by the server');
  const byConn = new Map<string, number>();
  for (let i = 0; i < served.length; i++) {
    const ex = served[i];
    const c = run.connections.find((x) => x.id === ex.connectionId);
    assert.ok(c, `exchange ${ex.index} names a connection`);
    const s = seen.find((x, j) => j === i);
    assert.ok(s);
    assert.equal(c.localPort, s.remotePort, `exchange ${ex.index} (${ex.request.url}) rode on ${c.id} port ${c.localPort}; server saw ${s.remotePort}`);
    byConn.set(c.id, c.localPort!);
  }
  const ports = [...byConn.values()];
  assert.equal(new Set(ports).size, ports.length, 'distinct connections have distinct ports');
}
