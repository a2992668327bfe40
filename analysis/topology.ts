/**
 * A platform picture as SVG: hosts (circles) and switches/routers (squares) placed by d3-force
 * from its deterministic start (sites pulled apart), links drawn with width by capacity and
 * colour by mean utilisation, the overlay's links dashed, each VM a small tile beside the
 * host it ended on, coloured by its application, and migrations as arrows. With migrations, a
 * stepped version shows the placement after each batch of moves.
 */
import { forceCollide, forceLink, forceManyBody, forceSimulation, forceX, forceY, scaleLinear, scaleLog, type SimulationNodeDatum } from "d3";
import { el, svgDocument, text } from "./svg.js";
import { colour } from "./style.js";

export interface PlatformPicture {
  title: string;
  nodes: { id: string; kind: "host" | "switch" | "router"; site?: string }[];
  /** bandwidth in bytes/s; utilization in 0..1, mean over the run, busier direction. */
  links: { a: string; b: string; bandwidth: number; utilization: number }[];
  overlay: [string, string][];
  vms: { id: string; app?: string; start: string; end: string }[];
  migrations: { vm: string; from: string; to: string; start: number; end: number }[];
  /** Applications in the run's order: each keeps one colour in every figure of the run. */
  apps: string[];
}

interface N extends SimulationNodeDatum {
  id: string;
}

/** More nodes than this make an unreadable picture; the tables hold the numbers. */
export const MAX_NODES = 300;

const W = 640, H = 460, TOP = 44, LEGEND = 150;

export function layout(p: PlatformPicture): Map<string, [number, number]> {
  const nodes: N[] = p.nodes.map((n) => ({ id: n.id }));
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const sites = [...new Set(p.nodes.map((n) => n.site).filter((s): s is string => !!s))];
  const links = p.links.map((l) => ({ source: index.get(l.a)!, target: index.get(l.b)! }));
  const siteX = (i: number) => {
    const s = p.nodes[i].site;
    return s ? ((sites.indexOf(s) + 1) / (sites.length + 1)) * W : W / 2;
  };
  const sim = forceSimulation(nodes)
    .force("charge", forceManyBody().strength(-90))
    .force("link", forceLink(links).distance(40).strength(0.7))
    .force("x", forceX<N>((_, i) => siteX(i)).strength(sites.length ? 0.25 : 0.05))
    .force("y", forceY(H / 2).strength(0.05))
    .force("collide", forceCollide(14))
    .stop();
  for (let i = 0; i < 300; i++) sim.tick();
  const xs = nodes.map((n) => n.x!), ys = nodes.map((n) => n.y!);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const k = Math.min((W - 120) / Math.max(1, x1 - x0), (H - TOP - 70) / Math.max(1, y1 - y0), 3);
  const out = new Map<string, [number, number]>();
  nodes.forEach((n) => out.set(n.id, [60 + (n.x! - x0) * k + (W - 120 - (x1 - x0) * k) / 2, TOP + 30 + (n.y! - y0) * k + (H - TOP - 70 - (y1 - y0) * k) / 2]));
  return out;
}

export function appColours(p: PlatformPicture): Map<string, string> {
  return new Map(p.apps.map((a, i) => [a, colour(i)]));
}

/** Grey when idle, through orange to dark red when full: an idle link stays visible on white. */
const utilColour = scaleLinear<string>().domain([0, 0.5, 1]).range(["#b8b8b8", "#fd8d3c", "#99000d"]).clamp(true);

/** The whole run: VMs where they ended, arrows for every migration. */
export function topologyFigure(p: PlatformPicture, at = layout(p)): string {
  const body = [text((W + LEGEND) / 2, 16, `${p.title}: platform, overlay and VM placement`, { "text-anchor": "middle", "font-size": 13, "font-weight": "bold" })];
  body.push(text((W + LEGEND) / 2, 32, p.migrations.length ? `VMs where they ended; arrows: ${p.migrations.length} migration${p.migrations.length > 1 ? "s" : ""}` : "VMs where they ran", { "text-anchor": "middle" }));
  if (p.migrations.length) body.push(arrowhead("topology-arrow"));
  body.push(...frame(p, at, new Map(p.vms.map((v) => [v.id, v.end])), p.migrations, 1, "topology-arrow"));
  body.push(legend(p, W + 4));
  return svgDocument(W + LEGEND, H, body);
}

/** Small multiples: the placement at the start and after each batch of migrations (those that began together). */
export function topologySteps(p: PlatformPicture, maxFrames = 6, at = layout(p)): string | undefined {
  if (p.migrations.length === 0) return undefined;
  const starts = [...new Set(p.migrations.map((m) => m.start))].sort((a, b) => a - b);
  const shown = starts.slice(0, maxFrames - 1);
  const frames = shown.length + 1, cols = Math.min(3, frames), rows = Math.ceil(frames / cols);
  const scale = 0.6, fw = W * scale, fh = H * scale;
  const body = [text((cols * fw) / 2, 16, `${p.title}: placement step by step${starts.length > shown.length ? ` (first ${shown.length} of ${starts.length} steps)` : ""}; overlay and link use over the whole run`, { "text-anchor": "middle", "font-size": 13, "font-weight": "bold" })];
  const where = new Map(p.vms.map((v) => [v.id, v.start]));
  body.push(arrowhead("topology-steps-arrow"));
  for (let f = 0; f < frames; f++) {
    const moves = f === 0 ? [] : p.migrations.filter((m) => m.start === shown[f - 1]);
    for (const m of moves) where.set(m.vm, m.to);
    const label = f === 0 ? "start" : `migrations begun at ${shown[f - 1]} s (done by ${Math.max(...moves.map((m) => m.end)).toFixed(1)} s)`;
    const gx = (f % cols) * fw, gy = 24 + Math.floor(f / cols) * fh;
    body.push(el("g", { transform: `translate(${gx},${gy}) scale(${scale})` }, [...frame(p, at, new Map(where), moves, 1.6, "topology-steps-arrow"), text(W / 2, TOP - 8, label, { "text-anchor": "middle", "font-size": 20 })]));
  }
  return svgDocument(cols * fw, 24 + rows * fh, body);
}

/** The arrowhead, defined once per document under an id of its own (two figures inlined in one page must not share ids). */
function arrowhead(id: string): string {
  return el("defs", {}, el("marker", { id, viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 6, markerHeight: 6, orient: "auto-start-reverse" }, el("path", { d: "M0,0L10,5L0,10z", fill: "#d62728" })));
}

function frame(p: PlatformPicture, at: Map<string, [number, number]>, where: Map<string, string>, moves: PlatformPicture["migrations"], k: number, arrow: string): string[] {
  const out: string[] = [];
  const bw = p.links.map((l) => l.bandwidth);
  const width = bw.length && Math.min(...bw) < Math.max(...bw) ? scaleLog().domain([Math.min(...bw), Math.max(...bw)]).range([1, 6]) : () => 2.5;
  // Sites: a box around each site's hosts.
  const sites = [...new Set(p.nodes.map((n) => n.site).filter((s): s is string => !!s))];
  for (const s of sites) {
    const pts = p.nodes.filter((n) => n.site === s).map((n) => at.get(n.id)!);
    const [x0, x1] = [Math.min(...pts.map((q) => q[0])) - 26, Math.max(...pts.map((q) => q[0])) + 40];
    const [y0, y1] = [Math.min(...pts.map((q) => q[1])) - 22, Math.max(...pts.map((q) => q[1])) + 30];
    out.push(el("rect", { class: "site", x: x0, y: y0, width: x1 - x0, height: y1 - y0, rx: 8, fill: "#f6f6f6", stroke: "#bbb" }));
    out.push(text(x0 + 6, y1 - 6, s, { "font-size": 10 * k, fill: "#666" }));
  }
  for (const l of p.links) {
    const [ax, ay] = at.get(l.a)!, [bx, by] = at.get(l.b)!;
    out.push(el("line", { class: "link", x1: ax, y1: ay, x2: bx, y2: by, stroke: utilColour(Math.min(1, l.utilization)), "stroke-width": width(l.bandwidth) * (k > 1 ? 1.3 : 1) }, el("title", {}, `${l.a}–${l.b}: ${fmtRate(l.bandwidth)}, ${(100 * l.utilization).toFixed(1)}% used`)));
  }
  for (const [a, b] of p.overlay) {
    const [ax, ay] = at.get(a)!, [bx, by] = at.get(b)!;
    out.push(el("path", { class: "overlay", d: `M${r(ax)},${r(ay)}Q${r((ax + bx) / 2)},${r((ay + by) / 2 - 18)} ${r(bx)},${r(by)}`, fill: "none", stroke: "#7b3294", "stroke-dasharray": "4 3", "stroke-opacity": 0.7 }));
  }
  for (const n of p.nodes) {
    const [x, y] = at.get(n.id)!;
    out.push(n.kind === "host" ? el("circle", { class: "host", cx: x, cy: y, r: 7, fill: "#fff", stroke: "#333", "stroke-width": 1.5 }) : el("rect", { class: "switch", x: x - 5, y: y - 5, width: 10, height: 10, fill: "#999" }));
    out.push(text(x - 9, y - 9, n.id, { "font-size": 9 * k, "text-anchor": "end" }));
  }
  // VM tiles: stacked to the right of their host.
  const colours = appColours(p);
  const stack = new Map<string, number>();
  for (const v of p.vms) {
    const h = where.get(v.id)!;
    const pos = at.get(h);
    if (!pos) continue;
    const i = stack.get(h) ?? 0;
    stack.set(h, i + 1);
    out.push(el("rect", { class: "vm", x: pos[0] + 9 + (i % 4) * 8, y: pos[1] - 3 + Math.floor(i / 4) * 8, width: 7, height: 7, fill: v.app ? colours.get(v.app)! : "#777", stroke: "#fff", "stroke-width": 0.5 }, el("title", {}, `${v.id}${v.app ? ` (${v.app})` : ""} on ${h}`)));
  }
  for (const m of moves) {
    const [ax, ay] = at.get(m.from)!, [bx, by] = at.get(m.to)!;
    out.push(el("path", { class: "migration", d: `M${r(ax)},${r(ay)}Q${r((ax + bx) / 2 + (by - ay) * 0.2)},${r((ay + by) / 2 - (bx - ax) * 0.2)} ${r(bx)},${r(by)}`, fill: "none", stroke: "#d62728", "stroke-width": 1.2, "marker-end": `url(#${arrow})` }, el("title", {}, `${m.vm}: ${m.from} → ${m.to}, ${m.start.toFixed(1)}–${m.end.toFixed(1)} s`)));
  }
  return out;
}

function legend(p: PlatformPicture, x0: number): string {
  const rows: string[] = [];
  let y = TOP + 8;
  const line = (s: string) => (rows.push(text(x0 + 22, y + 4, s)), (y += 15));
  rows.push(text(x0, y - 10, "link colour: mean use", { "font-size": 10, "font-weight": "bold" }));
  for (const u of [0, 0.25, 0.5, 0.75, 1]) {
    rows.push(el("line", { x1: x0, x2: x0 + 16, y1: y, y2: y, stroke: utilColour(u), "stroke-width": 4 }));
    line(`${u * 100}%`);
  }
  const bw = [...new Set(p.links.map((l) => l.bandwidth))].sort((a, b) => a - b);
  if (bw.length) {
    y += 6;
    rows.push(text(x0, y, "link width: capacity", { "font-size": 10, "font-weight": "bold" }));
    y += 12;
    const width = bw.length > 1 ? scaleLog().domain([bw[0], bw[bw.length - 1]]).range([1, 6]) : () => 2.5;
    for (const b of [bw[0], bw[bw.length - 1]].filter((v, i, a) => a.indexOf(v) === i)) {
      rows.push(el("line", { x1: x0, x2: x0 + 16, y1: y, y2: y, stroke: "#555", "stroke-width": width(b) }));
      line(fmtRate(b));
    }
  }
  y += 6;
  rows.push(el("path", { d: `M${x0},${y}H${x0 + 16}`, stroke: "#7b3294", "stroke-dasharray": "4 3" }));
  line("overlay link");
  if (p.migrations.length) {
    rows.push(el("path", { d: `M${x0},${y}H${x0 + 16}`, stroke: "#d62728" }));
    line("migration");
  }
  const colours = appColours(p);
  for (const a of p.apps.filter((a) => p.vms.some((v) => v.app === a))) {
    rows.push(el("rect", { x: x0 + 4, y: y - 4, width: 8, height: 8, fill: colours.get(a)! }));
    line(`VM of ${a}`);
  }
  return el("g", { class: "legend" }, rows);
}

function fmtRate(b: number): string {
  const units: [number, string][] = [[1e9, "GB/s"], [1e6, "MB/s"], [1e3, "kB/s"]];
  for (const [v, u] of units) if (b >= v) return `${Number((b / v).toPrecision(3))} ${u}`;
  return `${b} B/s`;
}

function r(v: number): number {
  return Math.round(v * 100) / 100;
}
