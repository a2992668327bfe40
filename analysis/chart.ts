/** Line, step and scatter charts as SVG text, from d3 scales and shapes. */
import { curveLinear, curveStepAfter, extent, format, line, scaleLinear, scaleLog, type ScaleLinear, type ScaleLogarithmic } from "d3";
import { el, svgDocument, text } from "./svg.js";
import { colour, style } from "./style.js";

export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
  kind?: "line" | "step" | "scatter";
}

export interface Axis {
  label: string;
  log?: boolean;
  domain?: [number, number];
  /** Linear axes include zero unless this is false. */
  zero?: boolean;
}

export interface ChartSpec {
  title: string;
  x: Axis;
  y: Axis;
  series: readonly Series[];
  width?: number;
  height?: number;
}

type Margin = { top: number; right: number; bottom: number; left: number };
type Scale = ScaleLinear<number, number> | ScaleLogarithmic<number, number>;

export function chart(spec: ChartSpec): string {
  // Many series: the legend moves to the right of the plot, which grows to make room.
  const longest = Math.max(0, ...spec.series.map((s) => s.name.length));
  const side = spec.series.length > 3 || longest > 18 ? Math.max(style.legendWidth, 6 * longest + 34) : 0;
  const width = (spec.width ?? style.width) + side, height = spec.height ?? style.height;
  const m = { ...style.margin, right: style.margin.right + side };
  const all = spec.series.flatMap((s) => s.points);
  const x = scale(spec.x, all.map((p) => p[0]), [m.left, width - m.right]);
  const y = scale(spec.y, all.map((p) => p[1]), [height - m.bottom, m.top]);
  const body: string[] = [text(width / 2, 16, spec.title, { "text-anchor": "middle", "font-size": 13, "font-weight": "bold" })];
  body.push(...axes(x, y, spec, width, height, m));
  spec.series.forEach((s, i) => body.push(series(s, x, y, colour(i))));
  if (spec.series.length > 1) body.push(legend(spec.series, side > 0 ? width - side + 8 : width - style.margin.right - 130));
  return svgDocument(width, height, body);
}

function scale(axis: Axis, values: number[], range: [number, number]): Scale {
  const finite = values.filter((v) => Number.isFinite(v) && (!axis.log || v > 0));
  let [lo, hi] = axis.domain ?? (extent(finite) as [number | undefined, number | undefined]);
  if (lo === undefined || hi === undefined) [lo, hi] = axis.log ? [1, 10] : [0, 1];
  if (lo === hi) [lo, hi] = axis.log ? [lo / 10, hi * 10] : [lo - 1, hi + 1];
  if (!axis.log && !axis.domain && axis.zero !== false) [lo, hi] = [Math.min(lo, 0), Math.max(hi, 0)];
  return axis.log ? scaleLog().domain([lo, hi]).range(range).nice() : scaleLinear().domain([lo, hi]).range(range).nice();
}

function axes(x: Scale, y: Scale, spec: ChartSpec, width: number, height: number, m: Margin): string[] {
  const out: string[] = [];
  const xTicks = x.ticks(style.ticks), yTicks = y.ticks(style.ticks);
  const xf = tickFormat(x, spec.x), yf = tickFormat(y, spec.y);
  for (const t of yTicks) {
    out.push(el("line", { x1: m.left, x2: width - m.right, y1: y(t), y2: y(t), stroke: style.grid }));
    out.push(text(m.left - 5, y(t) + 4, yf(t), { "text-anchor": "end" }));
  }
  for (const t of xTicks) {
    out.push(el("line", { x1: x(t), x2: x(t), y1: height - m.bottom, y2: height - m.bottom + 4, stroke: style.axis }));
    out.push(text(x(t), height - m.bottom + 16, xf(t), { "text-anchor": "middle" }));
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

function series(s: Series, x: Scale, y: Scale, stroke: string): string {
  const pts = s.points.filter((p) => Number.isFinite(x(p[0])) && Number.isFinite(y(p[1])));
  if (s.kind === "scatter") {
    return el("g", { fill: stroke, "fill-opacity": 0.7 }, pts.map((p) => el("circle", { cx: x(p[0]), cy: y(p[1]), r: 2.5 })));
  }
  const path = line<readonly [number, number]>()
    .x((p) => x(p[0]))
    .y((p) => y(p[1]))
    .curve(s.kind === "step" ? curveStepAfter : curveLinear);
  return el("path", { d: path(pts) ?? "", fill: "none", stroke, "stroke-width": 1.5 });
}

function legend(all: readonly Series[], x0: number): string {
  return el(
    "g",
    {},
    all.map((s, i) => {
      const y0 = style.margin.top + 4 + i * 14;
      return el("line", { x1: x0, x2: x0 + 16, y1: y0, y2: y0, stroke: colour(i), "stroke-width": 3 }) + text(x0 + 20, y0 + 4, s.name);
    }),
  );
}
