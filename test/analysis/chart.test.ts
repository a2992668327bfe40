import test from "ava";
import { chart, stepAverage, toCsv } from "../../analysis/index.js";

const spec = {
  title: "t & <test>",
  x: { label: "time (s)" },
  y: { label: "rate" },
  series: [
    { name: "a", points: [[0, 1], [1, 3], [2, 2]] as [number, number][] },
    { name: "b", points: [[0, 2], [2, 0]] as [number, number][], kind: "scatter" as const },
  ],
};

test("a chart is a standalone SVG with a path per line series, a marker per point, and a legend", (t) => {
  const svg = chart(spec);
  t.regex(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  t.is((svg.match(/class="line"/g) ?? []).length, 1);
  t.is((svg.match(/class="marker"/g) ?? []).length, 5);
  t.regex(svg, /class="legend"/);
  t.regex(svg, /t &amp; &lt;test&gt;/);
  t.regex(svg, />time \(s\)</);
  t.is(chart(spec), svg, "rendering is deterministic");
});

test("log axes drop non-positive points instead of drawing NaN", (t) => {
  const svg = chart({ ...spec, x: { label: "x", log: true }, series: [{ name: "a", points: [[0, 1], [1, 2], [10, 3]] }] });
  t.notRegex(svg, /NaN/);
});

test("stepAverage preserves the time-weighted mean of a step function", (t) => {
  const times = [0, 1, 3, 6], values = [2, 0, 4, 1];
  const bins = stepAverage(times, values, 0, 10, 5);
  t.deepEqual(bins.map((b) => b[1]), [1, 2, 4, 1, 1]);
  const mean = bins.reduce((s, b) => s + b[1], 0) / 5;
  t.is(mean, (2 * 1 + 0 * 2 + 4 * 3 + 1 * 4) / 10);
});

test("CSV quotes what needs quoting and keeps numbers in round-trip form", (t) => {
  t.is(toCsv([["a", "b"], ["x,y", 0.1 + 0.2], [true, Infinity]]), 'a,b\n"x,y",0.30000000000000004\ntrue,inf\n');
});

/** Numbers of an SVG attribute, in document order. */
const numbers = (svg: string, re: RegExp) => [...svg.matchAll(re)].map((m) => m.slice(1).map(Number));

test("the legend sits right of the plot area, clear of every data point", (t) => {
  for (const n of [1, 2, 3, 9]) {
    const series = Array.from({ length: n }, (_, i) => ({ name: `series ${i}`, points: Array.from({ length: 20 }, (_, k) => [k, (k * (i + 1)) % 7] as [number, number]) }));
    const svg = chart({ title: "t", x: { label: "x" }, y: { label: "y" }, series });
    const markers = numbers(svg, /class="marker"[^>]*translate\(([-\d.]+),([-\d.]+)\)/g);
    t.is(markers.length, 20 * n);
    const legendX = numbers(svg, /<g class="legend"><line x1="([-\d.]+)"/g);
    if (n === 1) t.is(legendX.length, 0, "one series needs no legend");
    else t.true(markers.every(([x]) => x < legendX[0][0]), `${n} series`);
  }
});

test("error bars span each point's interval, and the axis domain includes them", (t) => {
  const svg = chart({ title: "t", x: { label: "x" }, y: { label: "y", zero: false }, series: [{ name: "m", points: [[1, 5], [2, 6]], errors: [[4, 6], [5.5, 6.5]] }] });
  const bars = numbers(svg, /class="error" d="M([-\d.]+),([-\d.]+)V([-\d.]+)/g);
  const marks = numbers(svg, /class="marker"[^>]*translate\(([-\d.]+),([-\d.]+)\)/g);
  t.is(bars.length, 2);
  for (let k = 0; k < 2; k++) {
    const [x, lo, hi] = bars[k];
    t.is(x, marks[k][0]);
    // SVG y grows downwards: the point lies between its interval's ends.
    t.true(lo >= marks[k][1] && marks[k][1] >= hi);
    t.true(hi >= 28 && lo <= 300 - 42, "inside the plot");
  }
  // Interval [4, 6] around 5: the point is midway between the bar's ends.
  t.true(Math.abs((bars[0][1] + bars[0][2]) / 2 - marks[0][1]) < 0.02);
});

test("marks are drawn as vertical lines at their x position, and categorical axes label positions", (t) => {
  const svg = chart({ title: "t", x: { label: "x", categories: ["a", "b"] }, y: { label: "y" }, series: [{ name: "m", points: [[0, 1], [1, 2]] }], marks: [{ at: 0.5, label: "adapt" }], markName: "VADAPT acted" });
  t.regex(svg, />a<\/text>/);
  t.regex(svg, />VADAPT acted</);
  const [[x1]] = numbers(svg, /<line x1="([-\d.]+)"[^>]*stroke-dasharray="2 3"><title>adapt/g);
  const pts = numbers(svg, /class="marker"[^>]*translate\(([-\d.]+),/g).map(([x]) => x);
  t.true(Math.abs(x1 - (pts[0] + pts[1]) / 2) < 0.02, "0.5 is midway between categories 0 and 1");
});
