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

test("a chart is a standalone SVG with a path per line series, markers for scatter, and a legend", (t) => {
  const svg = chart(spec);
  t.regex(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  t.is((svg.match(/<path /g) ?? []).length, 1);
  t.is((svg.match(/<circle /g) ?? []).length, 2);
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
