/** Line, step and scatter charts as SVG text, from d3 scales and shapes. */
import { curveLinear, curveStepAfter, extent, format, line, scaleLinear, scaleLog, symbol, symbolsFill, type ScaleLinear, type ScaleLogarithmic } from "d3";
import { el, svgDocument, text } from "./svg.js";
import { colour, style } from "./style.js";

export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
  kind?: "line" | "step" | "scatter";
  /** Fixed colour (e.g. the entity's colour across a run's figures); else by position. */
  colour?: string;
  /** SVG dash pattern, to tell apart quantities of one entity drawn in its one colour. */
  dash?: string;
  /** Point markers; by default on for lines of at most 40 points and always for scatter. */
  markers?: boolean;
  /** [lo, hi] per point: drawn as error bars (e.g. a 95% confidence interval). */
  errors?: readonly (readonly [number, number])[];
  /** A label per point, written beside it. */
  labels?: readonly string[];
}

export interface Axis {
  label: string;
  log?: boolean;
  domain?: [number, number];
  /** Linear axes include zero unless this is false. */
  zero?: boolean;
  /** Categorical axis: value i is drawn at position i, labelled categories[i]. */
  categories?: readonly string[];
}

/** A moment worth marking on the x axis (e.g. when an adaptation acted). */
export interface Mark {
  at: number;
  label: string;
}

export interface ChartSpec {
  title: string;
  x: Axis;
  y: Axis;
  series: readonly Series[];
  marks?: readonly Mark[];
  /** Legend title for the marks (default "event"). */
  markName?: string;
  width?: number;
  height?: number;
}

type Margin = { top: number; right: number; bottom: number; left: number };
type Scale = ScaleLinear<number, number> | ScaleLogarithmic<number, number>;

const MARK_COLOUR = "#888";

export function chart(spec: ChartSpec): string {
  // The legend always sits to the right of the plot, never on the data; the figure grows to make room.
  const entries = spec.series.length + (spec.marks?.length ? 1 : 0);
  const longest = Math.max(0, ...spec.series.map((s) => s.name.length), spec.marks?.length ? (spec.markName ?? "event").length : 0);
  const side = entries > 1 ? Math.max(90, 6 * longest + 34) : 0;
  const width = (spec.width ?? style.width) + side, height = Math.max(spec.height ?? style.height, style.margin.top + 14 * entries + 20);
  const m: Margin = { ...style.margin, right: style.margin.right + side };
  const all = spec.series.flatMap((s) => [...s.points, ...(s.errors ?? []).flatMap(([lo, hi], i) => (s.points[i] ? [[s.points[i][0], lo] as const, [s.points[i][0], hi] as const] : []))]);
  const xs = all.map((p) => p[0]).concat((spec.marks ?? []).map((k) => k.at));
  const y = scale(spec.y, all.map((p) => p[1]), [height - m.bottom, m.top]);
  // Room for the widest y tick label, so the axis title never overlaps it.
  m.left = Math.max(m.left, 30 + 6 * Math.max(0, ...ticks(y, spec.y).map((t) => t.label.length)));
  const x = scale(spec.x, xs, [m.left, width - m.right]);
  const body: string[] = [text(width / 2, 16, spec.title, { "text-anchor": "middle", "font-size": 13, "font-weight": "bold" })];
  body.push(...axes(x, y, spec, width, height, m));
  for (const k of spec.marks ?? []) {
    if (!Number.isFinite(x(k.at))) continue;
    body.push(el("line", { x1: x(k.at), x2: x(k.at), y1: m.top, y2: height - m.bottom, stroke: MARK_COLOUR, "stroke-dasharray": "2 3" }, el("title", {}, `${k.label} at ${k.at}`)));
  }
  spec.series.forEach((s, i) => body.push(series(s, i, x, y)));
  if (entries > 1) body.push(legend(spec, width - side + 8));
  return svgDocument(width, height, body);
}

export function seriesColour(s: Series, i: number): string {
  return s.colour ?? colour(i);
}

function scale(axis: Axis, values: number[], range: [number, number]): Scale {
  if (axis.categories) {
    const n = axis.categories.length;
    return scaleLinear().domain([-0.5, Math.max(0.5, n - 0.5)]).range(range);
  }
  const finite = values.filter((v) => Number.isFinite(v) && (!axis.log || v > 0));
  let [lo, hi] = axis.domain ?? (extent(finite) as [number | undefined, number | undefined]);
  if (lo === undefined || hi === undefined) [lo, hi] = axis.log ? [1, 10] : [0, 1];
  if (lo === hi) [lo, hi] = axis.log ? [lo / 10, hi * 10] : [lo - 1, hi + 1];
  if (!axis.log && !axis.domain && axis.zero !== false) [lo, hi] = [Math.min(lo, 0), Math.max(hi, 0)];
  return axis.log ? scaleLog().domain([lo, hi]).range(range).nice() : scaleLinear().domain([lo, hi]).range(range).nice();
}

function ticks(s: Scale, axis: Axis): { at: number; label: string }[] {
  if (axis.categories) return axis.categories.map((label, i) => ({ at: i, label }));
  const f = tickFormat(s, axis);
  return s.ticks(style.ticks).map((t) => ({ at: t, label: f(t) }));
}

function axes(x: Scale, y: Scale, spec: ChartSpec, width: number, height: number, m: Margin): string[] {
  const out: string[] = [];
  for (const t of ticks(y, spec.y)) {
    out.push(el("line", { x1: m.left, x2: width - m.right, y1: y(t.at), y2: y(t.at), stroke: style.grid }));
    out.push(text(m.left - 5, y(t.at) + 4, t.label, { "text-anchor": "end" }));
  }
  for (const t of ticks(x, spec.x)) {
    out.push(el("line", { x1: x(t.at), x2: x(t.at), y1: height - m.bottom, y2: height - m.bottom + 4, stroke: style.axis }));
    out.push(text(x(t.at), height - m.bottom + 16, t.label, { "text-anchor": "middle" }));
  }
  out.push(el("line", { x1: m.left, x2: width - m.right, y1: height - m.bottom, y2: height - m.bottom, stroke: style.axis }));
  out.push(el("line", { x1: m.left, x2: m.left, y1: m.top, y2: height - m.bottom, stroke: style.axis }));
  out.push(text((m.left + width - m.right) / 2, height - 8, spec.x.label, { "text-anchor": "middle" }));
  const cy = (m.top + height - m.bottom) / 2;
  out.push(text(14, cy, spec.y.label, { "text-anchor": "middle", transform: `rotate(-90 14 ${cy})` }));
  return out;
}

/** Log axes get plain numbers (d3's default SI prefixes read as units, e.g. "1m" for 0.001). */
function tickFormat(s: Scale, axis: Axis): (v: number) => string {
  if (!axis.log) return s.tickFormat(style.ticks);
  const plain = format("~g");
  const keep = s.tickFormat(style.ticks, "~g");
  return (v) => (keep(v) === "" ? "" : plain(v));
}

/** The marker shape of the i-th series: shape and colour both tell series apart (colour-blind readers, greyscale print). */
export function markerPath(i: number, size = 36): string {
  return symbol(symbolsFill[i % symbolsFill.length], size)() ?? "";
}

function series(s: Series, i: number, x: Scale, y: Scale): string {
  const stroke = seriesColour(s, i);
  const keep = s.points.map((p) => Number.isFinite(x(p[0])) && Number.isFinite(y(p[1])));
  const pts = s.points.filter((_, k) => keep[k]);
  const out: string[] = [];
  if (s.kind !== "scatter") {
    const path = line<readonly [number, number]>()
      .x((p) => x(p[0]))
      .y((p) => y(p[1]))
      .curve(s.kind === "step" ? curveStepAfter : curveLinear);
    out.push(el("path", { class: "line", d: path(pts) ?? "", fill: "none", stroke, "stroke-width": 1.5, "stroke-dasharray": s.dash }));
  }
  s.errors?.forEach(([lo, hi], k) => {
    const p = s.points[k];
    if (!p || !keep[k] || !Number.isFinite(y(lo)) || !Number.isFinite(y(hi))) return;
    const cx = x(p[0]);
    out.push(el("path", { class: "error", d: `M${r(cx)},${r(y(lo))}V${r(y(hi))}M${r(cx - 4)},${r(y(lo))}H${r(cx + 4)}M${r(cx - 4)},${r(y(hi))}H${r(cx + 4)}`, stroke, fill: "none" }));
  });
  if (s.markers ?? (s.kind === "scatter" || pts.length <= 40)) {
    const d = markerPath(i);
    out.push(el("g", { fill: stroke, "fill-opacity": s.kind === "scatter" ? 0.75 : 1 }, pts.map((p) => el("path", { class: "marker", d, transform: `translate(${r(x(p[0]))},${r(y(p[1]))})` }))));
  }
  s.labels?.forEach((label, k) => {
    const p = s.points[k];
    if (p && keep[k] && label) out.push(text(x(p[0]) + 6, y(p[1]) - 5, label, { "font-size": 9, fill: "#333" }));
  });
  return el("g", {}, out);
}

function r(v: number): number {
  return Math.round(v * 100) / 100;
}

function legend(spec: ChartSpec, x0: number): string {
  const rows = spec.series.map((s, i) => {
    const y0 = style.margin.top + 4 + i * 14;
    const markers = s.markers ?? (s.kind === "scatter" || s.points.length <= 40);
    const sample = s.kind === "scatter" ? "" : el("line", { x1: x0, x2: x0 + 16, y1: y0, y2: y0, stroke: seriesColour(s, i), "stroke-width": 2.5, "stroke-dasharray": s.dash });
    const mark = markers ? el("path", { d: markerPath(i), transform: `translate(${x0 + 8},${y0})`, fill: seriesColour(s, i) }) : "";
    return sample + mark + text(x0 + 20, y0 + 4, s.name);
  });
  if (spec.marks?.length) {
    const y0 = style.margin.top + 4 + spec.series.length * 14;
    rows.push(el("line", { x1: x0 + 8, x2: x0 + 8, y1: y0 - 6, y2: y0 + 6, stroke: MARK_COLOUR, "stroke-dasharray": "2 3" }) + text(x0 + 20, y0 + 4, spec.markName ?? "event"));
  }
  return el("g", { class: "legend" }, rows);
}
