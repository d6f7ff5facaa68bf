// Simulated network conditions: what a run's connections are shaped to (round-trip time and
// per-direction bandwidth), the named presets, and how a setting or CLI flags become one.
// Pure: the shaping itself is src/runner/net/conditions.ts.

import { WlError } from './errors';

export interface NetworkConditions {
  /** Round-trip time added to every connection, ms (0: none). */
  rttMs: number;
  /** Downlink (server → client) bandwidth shared by the run's connections, kbit/s; 0 = unlimited. */
  downKbps: number;
  /** Uplink (client → server) bandwidth, kbit/s; 0 = unlimited. */
  upKbps: number;
  /** The preset these figures came from, when one was named. */
  preset?: string;
}

/** TCP segment size the slow-start model counts in, and the initial window (RFC 6928: 10 segments). */
export const TCP_MSS = 1460;
export const TCP_INITIAL_WINDOW = 10 * TCP_MSS;

export interface NetworkPreset extends NetworkConditions {
  preset: string;
  label: string;
  /** Where the figures come from. */
  source: string;
}

/**
 * Lighthouse's packet-level throttling profiles (its `constants.js`: Slow 4G is 150 ms RTT,
 * 1.6 × 1024 kbit/s down, 750 kbit/s up; desktop is 40 ms and 10 × 1024 kbit/s) and WebPageTest's
 * connectivity profiles (`connectivity.ini.sample`).
 */
export const NETWORK_PRESETS: readonly NetworkPreset[] = [
  { preset: 'slow-4g', label: 'Slow 4G', rttMs: 150, downKbps: 1638.4, upKbps: 750, source: 'Lighthouse mobile (Slow 4G)' },
  { preset: 'desktop', label: 'Desktop (dense 4G)', rttMs: 40, downKbps: 10240, upKbps: 10240, source: 'Lighthouse desktop' },
  { preset: '3g-slow', label: '3G Slow', rttMs: 400, downKbps: 400, upKbps: 400, source: 'WebPageTest 3GSlow' },
  { preset: '3g', label: '3G', rttMs: 300, downKbps: 1600, upKbps: 768, source: 'WebPageTest 3G' },
  { preset: '3g-fast', label: '3G Fast', rttMs: 150, downKbps: 1600, upKbps: 768, source: 'WebPageTest 3GFast' },
  { preset: '4g', label: '4G', rttMs: 170, downKbps: 9000, upKbps: 9000, source: 'WebPageTest 4G' },
  { preset: 'lte', label: 'LTE', rttMs: 70, downKbps: 12000, upKbps: 12000, source: 'WebPageTest LTE' },
  { preset: 'dsl', label: 'DSL', rttMs: 50, downKbps: 1500, upKbps: 384, source: 'WebPageTest DSL' },
  { preset: 'cable', label: 'Cable', rttMs: 28, downKbps: 5000, upKbps: 1000, source: 'WebPageTest Cable' },
  { preset: 'fios', label: 'FIOS', rttMs: 4, downKbps: 20000, upKbps: 5000, source: 'WebPageTest FIOS' },
];

const OFF = /^(?:off|none|no|)$/i;

export function findPreset(name: string): NetworkPreset | undefined {
  const n = name
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-');
  return NETWORK_PRESETS.find((p) => p.preset === n || p.label.toLowerCase().replace(/\s+/g, '-') === n);
}

function number(value: string, what: string): number {
  const n = Number(value.trim().replace(/\s*(?:ms|kbps|kbit\/s)$/i, ''));
  if (!Number.isFinite(n) || n < 0) throw new WlError('WL_USAGE', `${what} needs a number ≥ 0, got '${value}'`);
  return n;
}

/**
 * Flags (or a setting) to conditions: `network` is a preset name, `off`, or `RTT/DOWN/UP`
 * (`100/1600/750`); `rtt`, `down`, `up` override the preset's figures. Undefined when nothing
 * asks for shaping. Bad values are WL_USAGE.
 */
export function resolveNetwork(o: { network?: string; rtt?: string; down?: string; up?: string }): NetworkConditions | undefined {
  let base: NetworkConditions | undefined;
  const spec = o.network?.trim();
  if (spec !== undefined && !OFF.test(spec)) {
    const preset = findPreset(spec);
    if (preset) base = { rttMs: preset.rttMs, downKbps: preset.downKbps, upKbps: preset.upKbps, preset: preset.preset };
    else {
      const parts = spec.split('/');
      if (parts.length > 3 || !/^[\d.]/.test(spec)) {
        throw new WlError('WL_USAGE', `unknown network '${spec}': use off, RTT/DOWN/UP (ms, kbit/s, kbit/s) or one of ${NETWORK_PRESETS.map((p) => p.preset).join(', ')}`);
      }
      base = { rttMs: number(parts[0], 'the round-trip time'), downKbps: parts[1] ? number(parts[1], 'the down bandwidth') : 0, upKbps: parts[2] ? number(parts[2], 'the up bandwidth') : 0 };
    }
  }
  if (o.rtt === undefined && o.down === undefined && o.up === undefined) return base;
  const c: NetworkConditions = base ?? { rttMs: 0, downKbps: 0, upKbps: 0 };
  if (o.rtt !== undefined) c.rttMs = number(o.rtt, '--rtt');
  if (o.down !== undefined) c.downKbps = number(o.down, '--down');
  if (o.up !== undefined) c.upKbps = number(o.up, '--up');
  return c;
}

function kbps(k: number): string {
  if (!k) return 'unlimited';
  return k >= 1000 ? `${Math.round(k / 100) / 10} Mbit/s` : `${Math.round(k)} kbit/s`;
}

/** "simulated network: Slow 4G — RTT 150 ms, down 1.6 Mbit/s, up 750 kbit/s" */
export function describeNetwork(c: NetworkConditions): string {
  const p = c.preset ? findPreset(c.preset) : undefined;
  // A preset whose figures were overridden (`--network slow-4g --rtt 40`) is no longer that preset.
  const adjusted = p && (p.rttMs !== c.rttMs || p.downKbps !== c.downKbps || p.upKbps !== c.upKbps);
  const name = p ? `${p.label}${adjusted ? ' (adjusted)' : ''} — ` : '';
  return `simulated network: ${name}RTT ${Math.round(c.rttMs * 10) / 10} ms, down ${kbps(c.downKbps)}, up ${kbps(c.upKbps)}`;
}

/** Reads `log._wirelane.network` (or any object) back into conditions; undefined when it isn't one. */
export function networkFromJson(x: unknown): NetworkConditions | undefined {
  if (!x || typeof x !== 'object') return undefined;
  const o = x as Record<string, unknown>;
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);
  const rttMs = n(o.rttMs);
  if (rttMs === undefined) return undefined;
  const c: NetworkConditions = { rttMs, downKbps: n(o.downKbps) ?? 0, upKbps: n(o.upKbps) ?? 0 };
  if (typeof o.preset === 'string') c.preset = o.preset;
  return c;
}
