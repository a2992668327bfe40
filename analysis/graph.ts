/**
 * A traffic graph as SVG: nodes placed by d3-force (run to rest without timers, from d3's
 * deterministic initial layout, so the same graph gives the same picture), edge width by
 * traffic.
 */
import { forceCenter, forceLink, forceManyBody, forceSimulation, type SimulationNodeDatum } from "d3";
import { el, svgDocument, text } from "./svg.js";
import { colour, style } from "./style.js";

export interface GraphSpec {
  title: string;
  nodes: readonly string[];
  /** [src, dst, weight in 0..1]: traffic relative to the heaviest pair. */
  edges: readonly (readonly [string, string, number])[];
  subtitle?: string;
}

interface Node extends SimulationNodeDatum {
  id: string;
}

export function edgeWidth(w: number): number {
  return 0.5 + 5 * w;
}

export function trafficGraph(spec: GraphSpec): string {
  const width = style.width, height = style.height + 60;
  const nodes: Node[] = spec.nodes.map((id) => ({ id }));
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const links = spec.edges.filter(([a, b]) => index.has(a) && index.has(b)).map(([a, b, w]) => ({ source: index.get(a)!, target: index.get(b)!, w }));
  const sim = forceSimulation(nodes)
    .force("charge", forceManyBody().strength(-120))
    .force("link", forceLink(links.map((l) => ({ ...l }))).distance(60))
    .force("center", forceCenter(width / 2, height / 2 + 10))
    .stop();
  for (let i = 0; i < 300; i++) sim.tick();
  // Fit into the frame.
  const xs = nodes.map((n) => n.x!), ys = nodes.map((n) => n.y!);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const k = Math.min((width - 60) / Math.max(1, x1 - x0), (height - 90) / Math.max(1, y1 - y0), 1.5);
  const px = (n: Node) => 30 + (n.x! - x0) * k + (width - 60 - (x1 - x0) * k) / 2;
  const py = (n: Node) => 50 + (n.y! - y0) * k + (height - 90 - (y1 - y0) * k) / 2;
  const body: string[] = [text(width / 2, 16, spec.title, { "text-anchor": "middle", "font-size": 13, "font-weight": "bold" })];
  if (spec.subtitle) body.push(text(width / 2, 32, spec.subtitle, { "text-anchor": "middle" }));
  for (const l of links) {
    const a = nodes[l.source], b = nodes[l.target];
    body.push(el("line", { class: "edge", x1: px(a), y1: py(a), x2: px(b), y2: py(b), stroke: colour(0), "stroke-opacity": 0.6, "stroke-width": edgeWidth(l.w) }));
  }
  // What edge width means, in the bottom-left corner.
  const ly = height - 46;
  body.push(text(8, ly, "edge width: traffic relative to the busiest pair", { "font-size": 9, fill: "#444" }));
  [0.25, 0.5, 1].forEach((w, i) => {
    const y = ly + 12 + i * 11;
    body.push(el("line", { class: "edge-key", x1: 8, x2: 32, y1: y, y2: y, stroke: colour(0), "stroke-opacity": 0.6, "stroke-width": edgeWidth(w) }));
    body.push(text(38, y + 3, `${w * 100}%`, { "font-size": 9, fill: "#444" }));
  });
  for (const n of nodes) {
    body.push(el("circle", { cx: px(n), cy: py(n), r: 6, fill: colour(1), stroke: "#333" }));
    body.push(text(px(n) + 8, py(n) - 6, n.id, { "font-size": 9 }));
  }
  return svgDocument(width, height, body);
}
