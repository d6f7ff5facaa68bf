// The run table's formatting rules: colour only on a terminal, NO_COLOR wins, URLs shortened to fit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COLOR, PLAIN, ellipsize, renderRunTable, styleFor, summaryLine } from '../../src/cli/table';
import { RunRecorder } from '../../src/core/timeline/recorder';
import { NO_TIMINGS } from '../../src/core/timeline/model';

test('styleFor: colour on a TTY only, never with NO_COLOR, FORCE_COLOR forces it', () => {
  assert.equal(styleFor({ isTTY: true }, {}), COLOR);
  assert.equal(styleFor({ isTTY: false }, {}), PLAIN);
  assert.equal(styleFor({ isTTY: true }, { NO_COLOR: '1' }), PLAIN);
  assert.equal(styleFor({ isTTY: false }, { FORCE_COLOR: '1' }), COLOR);
});

test('renderRunTable: errors under their row, long URLs shortened in the middle, summary counts reuse', () => {
  const rec = new RunRecorder();
  const long = `http://127.0.0.1:8080/${'segment/'.repeat(30)}end`;
  for (let i = 0; i < 3; i++) {
    const ex = rec.startExchange({
      connectionId: 'c1',
      reused: i > 0,
      request: { method: 'GET', url: i === 1 ? long : 'http://127.0.0.1:8080/x', httpVersion: 'HTTP/1.1', headers: [] },
      response: i === 2 ? undefined : { status: 200 + i * 204, statusText: '', httpVersion: 'HTTP/1.1', headers: [] },
      startedAt: 1000,
      endedAt: 1000 + i,
      timings: NO_TIMINGS,
      error: i === 2 ? { code: 'WL_RESET', message: 'reset by peer', phase: 'receive' } : undefined,
    });
    rec.endExchange(ex);
  }
  const run = rec.finish();
  const plain = renderRunTable(run, { style: PLAIN, width: 100 });
  assert.ok(
    plain.split('\n').every((l) => l.length <= 100),
    plain,
  );
  assert.match(plain, /127\.0\.0\.1:8080\/segment\S*…\S*\/end\s/);
  assert.match(plain, /WL_RESET/);
  assert.match(plain, /✗ \(receive\) reset by peer/);
  const coloured = renderRunTable(run, { style: COLOR, width: 100 });
  assert.ok(coloured.includes('\u001b[31mWL_RESET'));
  assert.match(summaryLine(run), /^3 exchanges on 1 connection, 2 handshakes saved by reuse, 1 failed/);
  assert.equal(ellipsize('abcdefghijklmnopqrstuvwxyz', 10).length, 10);
});
