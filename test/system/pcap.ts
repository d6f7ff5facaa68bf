// A small reader for what `tcpdump -i lo -w FILE` writes (classic pcap, Ethernet or Linux
// cooked framing, IPv4/IPv6, TCP), and the per-connection facts the truth suite checks:
// SYNs per client port, who sent the first FIN, and the HTTP status lines' versions.
import { readFileSync } from 'node:fs';

export interface Segment {
  time: number;
  srcPort: number;
  dstPort: number;
  syn: boolean;
  ack: boolean;
  fin: boolean;
  rst: boolean;
  seq: number;
  payload: Buffer;
}

export function readPcap(file: string): Segment[] {
  const b = readFileSync(file);
  if (b.length < 24) return [];
  const magic = b.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!le && b.readUInt32BE(0) !== 0xa1b2c3d4 && b.readUInt32BE(0) !== 0xa1b23c4d) throw new Error(`${file} is not a pcap file`);
  const nano = magic === 0xa1b23c4d || b.readUInt32BE(0) === 0xa1b23c4d;
  const u32 = (o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const linkType = u32(20);
  const out: Segment[] = [];
  for (let o = 24; o + 16 <= b.length;) {
    const sec = u32(o);
    const frac = u32(o + 4);
    const incl = u32(o + 8);
    // The file is read while tcpdump still writes it: a record cut short is the end for now.
    if (o + 16 + incl > b.length) break;
    const pkt = b.subarray(o + 16, o + 16 + incl);
    o += 16 + incl;
    let ip: number;
    let etherType: number;
    if (pkt.length < 20) continue;
    if (linkType === 1) {
      etherType = pkt.readUInt16BE(12);
      ip = 14;
    } else if (linkType === 113) {
      etherType = pkt.readUInt16BE(14);
      ip = 16;
    } else if (linkType === 276) {
      etherType = pkt.readUInt16BE(0);
      ip = 20;
    } else continue;
    let tcp: number;
    let end: number;
    if (etherType === 0x0800) {
      if (pkt[ip + 9] !== 6) continue;
      tcp = ip + (pkt[ip]! & 0x0f) * 4;
      end = ip + pkt.readUInt16BE(ip + 2);
    } else if (etherType === 0x86dd) {
      if (pkt[ip + 6] !== 6) continue;
      tcp = ip + 40;
      end = tcp + pkt.readUInt16BE(ip + 4);
    } else continue;
    if (pkt.length < tcp + 20) continue; // captured shorter than a TCP header (snap length)
    const flags = pkt[tcp + 13]!;
    const dataAt = tcp + (pkt[tcp + 12]! >> 4) * 4;
    out.push({
      time: sec + frac / (nano ? 1e9 : 1e6),
      srcPort: pkt.readUInt16BE(tcp),
      dstPort: pkt.readUInt16BE(tcp + 2),
      fin: (flags & 0x01) !== 0,
      syn: (flags & 0x02) !== 0,
      rst: (flags & 0x04) !== 0,
      ack: (flags & 0x10) !== 0,
      seq: pkt.readUInt32BE(tcp + 4),
      payload: pkt.subarray(dataAt, Math.min(end, pkt.length)),
    });
  }
  return out;
}

export interface Flow {
  clientPort: number;
  /** SYNs the client sent (1 for every real connection). */
  syns: number;
  /** The server answered the SYN (SYN-ACK): the connection was established. */
  established: boolean;
  firstFin?: 'client' | 'server';
  rst: boolean;
  openedAt: number;
  /** Requests the client sent (request lines at the start of its data; plain HTTP only). */
  requests: number;
  /** Versions of the server's status lines, in order (plain HTTP only). */
  statusVersions: string[];
  /** The server's response head text, concatenated (plain HTTP only). */
  serverText: string;
}

/** Flows of connections to `serverPort`, keyed by the client's port, in the order they opened. */
export function flowsTo(segments: Segment[], serverPort: number): Flow[] {
  const flows = new Map<number, Flow & { clientData: string; next: { client?: number; server?: number } }>();
  for (const s of segments) {
    const fromClient = s.dstPort === serverPort;
    if (!fromClient && s.srcPort !== serverPort) continue;
    const cp = fromClient ? s.srcPort : s.dstPort;
    let f = flows.get(cp);
    if (!f) {
      f = { clientPort: cp, syns: 0, established: false, rst: false, openedAt: s.time, requests: 0, statusVersions: [], serverText: '', clientData: '', next: {} };
      flows.set(cp, f);
    }
    if (s.syn && !s.ack && fromClient) f.syns++;
    if (s.syn && s.ack && !fromClient) f.established = true;
    if (s.rst) f.rst = true;
    if (s.fin && !f.firstFin) f.firstFin = fromClient ? 'client' : 'server';
    const side = fromClient ? 'client' : 'server';
    if (s.syn) f.next[side] = (s.seq + 1) >>> 0;
    let payload = s.payload;
    const next = f.next[side];
    if (payload.length && next !== undefined) {
      // A retransmitted segment repeats bytes already seen: keep only what is new.
      const behind = (next - s.seq) | 0;
      if (behind >= payload.length) payload = payload.subarray(payload.length);
      else if (behind > 0) payload = payload.subarray(behind);
      f.next[side] = (s.seq + s.payload.length) >>> 0;
      if (behind > 0 && ((next - f.next[side]!) | 0) > 0) f.next[side] = next;
    }
    if (payload.length) {
      const text = payload.toString('latin1');
      if (fromClient) f.clientData += text;
      else f.serverText += text;
    }
  }
  for (const f of flows.values()) {
    f.requests = (f.clientData.match(/(?:^|\r\n)(?:GET|POST|PUT|DELETE|HEAD|OPTIONS|PATCH) \S+ HTTP\/1\.[01]\r\n/g) ?? []).length;
    f.statusVersions = statusLines(f.serverText);
  }
  return [...flows.values()]
    .sort((a, b) => a.openedAt - b.openedAt)
    .map((flow) => {
      const f: Partial<typeof flow> = { ...flow };
      delete f.clientData;
      delete f.next;
      return f as Omit<typeof flow, 'clientData' | 'next'>;
    });
}

/** The versions of the responses in a server's byte stream, walking heads and bodies (Content-Length or chunked). */
function statusLines(text: string): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < text.length) {
    const m = /^HTTP\/(1\.[01]) (\d{3})/.exec(text.slice(at, at + 16));
    if (!m) break;
    out.push(`HTTP/${m[1]}`);
    const headEnd = text.indexOf('\r\n\r\n', at);
    if (headEnd < 0) break;
    const head = text.slice(at, headEnd).toLowerCase();
    at = headEnd + 4;
    const status = Number(m[2]);
    if (status === 204 || status === 304 || (status >= 100 && status < 200)) continue;
    const len = /\r\ncontent-length:\s*(\d+)/.exec(head);
    if (len) at += Number(len[1]);
    else if (/\r\ntransfer-encoding:[^\r]*chunked/.test(head)) {
      const endChunks = text.indexOf('\r\n0\r\n\r\n', at - 2);
      if (endChunks < 0) break;
      at = endChunks + 7;
    } else break; // body until close
  }
  return out;
}
