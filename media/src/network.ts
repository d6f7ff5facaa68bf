// Simulated network conditions in the timeline: a badge saying the timings are of a simulated
// link (from `log._wirelane.network`), and in a compare, the textbook's prediction beside each
// mode's measured time (the same pure model `wirelane compare` prints).

import type { Har } from '../../src/core/har/types';
import { describeNetwork, networkFromJson, type NetworkConditions } from '../../src/core/network';
import { predict, type PredictionInput } from '../../src/core/timeline/prediction';
import { el } from './dom';
import { formatMs, type TimelineModel } from '../../src/core/timeline/lanes';

export function networkOf(har: Har): NetworkConditions | undefined {
  return networkFromJson(har.log._wirelane?.network);
}

/** One mode's counts, read from the drawn model and the HAR's connections. */
function inputFor(model: TimelineModel, mode: string, net: NetworkConditions): PredictionInput {
  const summary = model.modes.find((m) => m.mode === mode) ?? model.total;
  let tls12 = 0;
  let tls13 = 0;
  const seen = new Set<string>();
  let bytesDown = 0;
  let bytesUp = 0;
  let serverMs = 0;
  let maxServerMs = 0;
  model.entries.forEach((e, i) => {
    const lane = model.laneOfEntry[i];
    if (!lane || (model.isCompare && lane.mode !== mode)) return;
    bytesDown += Math.max(0, e.response?.bodySize ?? 0);
    bytesUp += Math.max(0, e.request?.bodySize ?? 0);
    const wait = e.timings?.wait ?? -1;
    if (wait > net.rttMs) {
      serverMs += wait - net.rttMs;
      maxServerMs = Math.max(maxServerMs, wait - net.rttMs);
    }
    const id = lane.connectionId;
    if (!id || seen.has(id)) return;
    seen.add(id);
    const version = model.connectionsById.get(id)?.tls?.version;
    if (version === 'TLSv1.3') tls13++;
    else if (version) tls12++;
  });
  return {
    mode,
    requests: summary.exchanges,
    connections: summary.connections,
    tls12,
    tls13,
    tlsRoundTrips: tls13 + 2 * tls12,
    bytesDown,
    bytesUp,
    measuredMs: summary.totalMs,
    serverMs,
    maxServerMs,
  };
}

/** Appends the badge (and, in a compare, the model beside the measurement) to the summary strip. */
export function renderNetworkNote(parent: HTMLElement, har: Har, model: TimelineModel): void {
  const net = networkOf(har);
  if (!net) return;
  parent.append(
    el('p', 'wl-note wl-network', `${describeNetwork(net)}. Every connection went through it: the times shown are those of the simulated link, not of the network this ran on.`, { role: 'note' }),
  );
  if (!model.isCompare) return;
  const table = el('table', 'wl-compare wl-model', undefined, { 'aria-label': 'Measured beside the textbook model' });
  const head = el('tr');
  for (const h of ['mode', 'measured', 'model', 'measured / model', 'model: round trips', 'why they differ']) head.append(el('th', undefined, h, { scope: 'col' }));
  const thead = el('thead');
  thead.append(head);
  const tbody = el('tbody');
  for (const m of model.modes) {
    const p = predict(inputFor(model, m.mode, net), net);
    const tr = el('tr');
    tr.append(
      el('th', undefined, m.mode || '(none)', { scope: 'row' }),
      el('td', undefined, formatMs(m.totalMs)),
      el('td', undefined, formatMs(p.modelMs)),
      el('td', undefined, p.ratio === undefined ? '—' : `×${p.ratio.toFixed(2)}`),
      el('td', 'wl-model-text', p.formula),
      el('td', 'wl-model-text', p.explanation),
    );
    tbody.append(tr);
  }
  table.append(thead, tbody);
  const wrap = el('div', 'wl-compare-wrap');
  wrap.append(table);
  parent.append(wrap);
}
