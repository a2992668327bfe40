import test from "ava";
import { layout, topologyFigure, topologySteps, type PlatformPicture } from "../../analysis/topology.js";

const picture: PlatformPicture = {
  title: "two-sites",
  nodes: [
    { id: "a0", kind: "host", site: "site A" },
    { id: "a1", kind: "host", site: "site A" },
    { id: "b0", kind: "host", site: "site B" },
    { id: "swA", kind: "switch" },
    { id: "swB", kind: "switch" },
  ],
  links: [
    { a: "a0", b: "swA", bandwidth: 1.25e8, utilization: 0 },
    { a: "a1", b: "swA", bandwidth: 1.25e8, utilization: 0.2 },
    { a: "b0", b: "swB", bandwidth: 1.25e8, utilization: 0.1 },
    { a: "swA", b: "swB", bandwidth: 1e7, utilization: 0.9 },
  ],
  overlay: [["a0", "b0"]],
  vms: [
    { id: "v0", app: "app", start: "a0", end: "a0" },
    { id: "v1", app: "app", start: "b0", end: "a1" },
    { id: "v2", app: "other", start: "b0", end: "a1" },
  ],
  migrations: [
    { vm: "v1", from: "b0", to: "a1", start: 10, end: 12 },
    { vm: "v2", from: "b0", to: "a1", start: 30, end: 33 },
  ],
  apps: ["app", "other"],
};

const attr = (svg: string, cls: string, name: string) => [...svg.matchAll(new RegExp(`class="${cls}"[^>]*?\\b${name}="([^"]+)"`, "g"))].map((m) => m[1]);

test("the platform picture draws every node, link, overlay link, VM and migration, and is deterministic", (t) => {
  const svg = topologyFigure(picture);
  t.is(svg, topologyFigure(picture));
  t.is(attr(svg, "host", "cx").length, 3);
  t.is((svg.match(/class="switch"/g) ?? []).length, 2);
  t.is((svg.match(/class="link"/g) ?? []).length, 4);
  t.is((svg.match(/class="overlay"/g) ?? []).length, 1);
  t.is((svg.match(/class="migration"/g) ?? []).length, 2);
  t.is((svg.match(/class="site"/g) ?? []).length, 2);
  // Width by capacity: the WAN link (10 MB/s) is thinner than the LAN links; colour by use.
  const widths = attr(svg, "link", "stroke-width").map(Number);
  t.true(widths[3] < widths[0]);
  const colours = attr(svg, "link", "stroke");
  t.not(colours[0], colours[3]);
  // Each VM tile sits beside the host it ended on, in its application's colour.
  const at = layout(picture);
  const xs = attr(svg, "vm", "x").map(Number);
  picture.vms.forEach((v, i) => t.true(xs[i] > at.get(v.end)![0] && xs[i] < at.get(v.end)![0] + 45, v.id));
  const fills = attr(svg, "vm", "fill");
  t.is(fills[0], fills[1]);
  t.not(fills[1], fills[2]);
  // Sites pulled apart: every site A host is left of the site B host.
  t.true(at.get("a0")![0] < at.get("b0")![0] && at.get("a1")![0] < at.get("b0")![0]);
});

test("the stepped picture has a frame for the start and one per batch of migrations", (t) => {
  const steps = topologySteps(picture)!;
  t.regex(steps, />start</);
  t.regex(steps, />migrations begun at 10 s \(done by 12\.0 s\)</);
  t.regex(steps, />migrations begun at 30 s \(done by 33\.0 s\)</);
  // Frame 2 shows only its own move; frame 3 shows v2's.
  t.is((steps.match(/class="migration"/g) ?? []).length, 2);
  t.is(topologySteps({ ...picture, migrations: [] }), undefined);
});
