/** A heat map as SVG text: a grid of cells coloured by value, with labelled axes and a scale. */
import { interpolateYlOrRd, scaleBand, scaleSequential } from "d3";
import { el, svgDocument, text } from "./svg.js";
import { style } from "./style.js";

export interface HeatmapSpec {
  title: string;
  x: { label: string; values: readonly number[]; format?: (v: number) => string };
  y: { label: string; values: readonly number[]; format?: (v: number) => string };
  /** value(xIndex, yIndex), NaN for no data. */
  value: (i: number, j: number) => number;
  domain: [number, number];
  legend: string;
}

export function heatmap(spec: HeatmapSpec): string {
  const width = style.width + 60, height = style.height + 40;
  const m = { ...style.margin, right: 90, bottom: 52 };
  const x = scaleBand<number>().domain(spec.x.values.map((_, i) => i)).range([m.left, width - m.right]).padding(0.04);
  const y = scaleBand<number>().domain(spec.y.values.map((_, j) => j)).range([height - m.bottom, m.top]).padding(0.04);
  const colour = scaleSequential(interpolateYlOrRd).domain(spec.domain);
  const fx = spec.x.format ?? String, fy = spec.y.format ?? String;
  const body: string[] = [text(width / 2, 16, spec.title, { "text-anchor": "middle", "font-size": 13, "font-weight": "bold" })];
  spec.x.values.forEach((_, i) =>
    spec.y.values.forEach((_, j) => {
      const v = spec.value(i, j);
      body.push(el("rect", { x: x(i)!, y: y(j)!, width: x.bandwidth(), height: y.bandwidth(), fill: Number.isFinite(v) ? colour(v) : "#eee" }));
    }),
  );
  spec.x.values.forEach((v, i) => body.push(text(x(i)! + x.bandwidth() / 2, height - m.bottom + 14, fx(v), { "text-anchor": "middle", "font-size": 9 })));
  spec.y.values.forEach((v, j) => body.push(text(m.left - 5, y(j)! + y.bandwidth() / 2 + 3, fy(v), { "text-anchor": "end", "font-size": 9 })));
  body.push(text((m.left + width - m.right) / 2, height - 10, spec.x.label, { "text-anchor": "middle" }));
  const cy = (m.top + height - m.bottom) / 2;
  body.push(text(14, cy, spec.y.label, { "text-anchor": "middle", transform: `rotate(-90 14 ${cy})` }));
  // Colour scale.
  const lx = width - m.right + 22, top = m.top, bottom = height - m.bottom, steps = 20;
  for (let k = 0; k < steps; k++) {
    const v = spec.domain[0] + ((spec.domain[1] - spec.domain[0]) * (k + 0.5)) / steps;
    const h = (bottom - top) / steps;
    body.push(el("rect", { x: lx, y: bottom - (k + 1) * h, width: 14, height: h + 0.5, fill: colour(v) }));
  }
  body.push(text(lx + 18, bottom, String(spec.domain[0]), { "font-size": 9 }));
  body.push(text(lx + 18, top + 8, String(spec.domain[1]), { "font-size": 9 }));
  body.push(text(lx + 7, top - 6, spec.legend, { "text-anchor": "middle", "font-size": 9 }));
  return svgDocument(width, height, body);
}
