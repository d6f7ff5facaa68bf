// The big report's first screen is drawn from a copy holding only its lanes' entries plus facts of
// the whole HAR: what it draws must be what the whole model draws there — same lanes in the same
// order, same bars at the same times, same counts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Har } from '../../src/core/har/types';
import { quickStartCopy } from '../../src/cli/reportHtml';
import { buildModel, firstScreenCopy, GROUP_H, harOfFirstScreen, laneHeight, type TimelineModel } from '../../src/core/timeline/lanes';
import * as fx from '../fixtures/har/generate';

function drawn(m: TimelineModel, upTo: number): unknown[] {
  const out: unknown[] = [];
  let y = 0;
  for (const g of m.groups) {
    if (y >= upTo) break;
    out.push({ group: g.key, exchanges: g.exchangeCount, connections: g.connections, failed: g.failedAttempts, y });
    y += GROUP_H;
    for (const l of g.lanes) {
      if (y >= upTo) break;
      out.push({ lane: l.key, label: [l.label1, l.label2, l.label3], y, ws: l.ws?.count, bars: l.bars.map((b) => [b.entry, b.start, b.end, b.sub, b.use, b.headOfLine, b.statusClass]) });
      y += laneHeight(l);
    }
  }
  return out;
}

for (const [name, make] of [
  ['big', () => fx.bigHar({ exchanges: 3000, connections: 150, frames: 5000 })],
  ['compare', fx.compareHar],
  ['pipeline', fx.pipelineHar],
  ['no connection ids', fx.chromeLikeHar],
] as Array<[string, () => Har]>) {
  test(`first-screen copy (${name}): the top of the list, the counts and the time range are the whole model's`, () => {
    const quick = quickStartCopy(make()) as Har;
    const whole = buildModel(quick);
    const px = 600;
    const copy = JSON.parse(JSON.stringify(firstScreenCopy(quick, whole, px))) as ReturnType<typeof firstScreenCopy>;
    const first = buildModel(harOfFirstScreen(copy)!, copy._wlFirstScreen);
    assert.deepEqual(drawn(first, px), drawn(whole, px));
    assert.deepEqual(first.total, whole.total);
    assert.deepEqual(first.modes, whole.modes);
    assert.deepEqual([first.tMin, first.tMax, first.isCompare, first.unreadable, first.origins], [whole.tMin, whole.tMax, whole.isCompare, whole.unreadable, whole.origins]);
    assert.equal(first.entries.length, whole.entries.length, 'entries keep their indices');
    let height = 0;
    for (const g of whole.groups) height += GROUP_H + g.lanes.reduce((a, l) => a + laneHeight(l), 0);
    assert.equal(copy._wlFirstScreen.height, height);
    if (name === 'big') assert.ok(copy._wlFirstScreen.index.length < quick.log.entries.length / 5, `only the first screen's entries (${copy._wlFirstScreen.index.length})`);
  });
}
