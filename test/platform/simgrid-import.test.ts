import test from "ava";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SimgridPlatform, simgridUnits } from "../../sim/platform/network/index.js";
import { BYTES, caseName, cases, hosts, pairs, scenarioPlatform, simgridPlatform } from "./simgrid/cases.js";
import { parseScenario } from "../../sim/scenario/index.js";
import { world } from "./world-helpers.js";

const reference: Record<string, number[]> = JSON.parse(readFileSync(new URL("./simgrid/reference.json", import.meta.url), "utf8"));
const dir = mkdtempSync(join(tmpdir(), "sgimport-"));

test("SimGrid's unit spellings", (t) => {
  t.is(simgridUnits.bandwidth("125MBps"), 125e6);
  t.is(simgridUnits.bandwidth("1Gbps"), 125e6);
  t.is(simgridUnits.bandwidth("1KiBps"), 1024);
  t.is(simgridUnits.bandwidth("2e3"), 2000);
  // Value times the unit's factor, as SimGrid computes it (so 50us is 50 * 1e-6, not 5e-5).
  t.is(simgridUnits.time("50us"), 50 * 1e-6);
  t.is(simgridUnits.time("10ms"), 10e-3);
  t.is(simgridUnits.time("2h"), 7200);
  t.is(simgridUnits.speed("1Gf"), 1e9);
  t.is(simgridUnits.speed("98.095Mf"), 98.095e6);
  t.throws(() => simgridUnits.bandwidth("10 furlongs"), { message: /unknown bandwidth unit/ });
});

// The files SimGrid ran for the reference, imported: the same transfers end at the same times.
for (const c of cases().filter((c) => c.ranks !== 64 || c.pattern !== "all-to-all")) {
  test(`imported platform, ${caseName(c)}: transfers end when SimGrid's do`, (t) => {
    const file = join(dir, `${caseName(c).replace(/ /g, "_")}.xml`);
    writeFileSync(file, simgridPlatform(c));
    const platform = scenarioPlatform(c) as { hosts: unknown; network: Record<string, unknown> };
    const { sim, world: w } = world({ platform: { hosts: platform.hosts, network: { ...platform.network, topology: { kind: "simgrid", file } } } });
    const names = hosts(c), list = pairs(c), ends = list.map(() => NaN);
    list.forEach(([s, d], i) => w.net.start(w.host(names[s]).node, w.host(names[d]).node, BYTES, { onDone: () => (ends[i] = sim.now) }));
    sim.run();
    const want = reference[caseName(c)];
    let worst = 0;
    ends.forEach((e, i) => (worst = Math.max(worst, Math.abs(e - want[i]) / want[i])));
    t.true(worst <= 1e-9, `largest relative difference ${worst}`);
  });
}

const xml = (body: string) => `<?xml version='1.0'?>\n<platform version="4.1">\n${body}\n</platform>\n`;

test("routes: Full zone with split-duplex links, symmetrical routes reversed, nested clusters with a backbone", (t) => {
  const p = SimgridPlatform.parse(
    xml(`<zone id="w" routing="Full">
  <host id="x" speed="1Gf"/><host id="y" speed="2Gf" core="4"/>
  <link id="l1" bandwidth="1GBps" latency="1ms" sharing_policy="SPLITDUPLEX"/>
  <link id="l2" bandwidth="10MBps" latency="3ms"/>
  <route src="x" dst="y"><link_ctn id="l1" direction="UP"/><link_ctn id="l2"/></route>
  <cluster id="c" prefix="n" suffix="" radical="0-1" speed="1Gf" bw="125MBps" lat="50us" bb_bw="1GBps" bb_lat="1us" router_id="cr"/>
  <zoneRoute src="c" dst="x" gw_src="cr" gw_dst="x"><link_ctn id="l2"/></zoneRoute>
</zone>`),
  );
  t.deepEqual(p.hosts.find((h) => h.id === "y"), { id: "y", speed: 2e9, cores: 4 });
  const r = p.route("y", "x");
  t.deepEqual(r.links, [{ link: "l2", direction: "NONE" }, { link: "l1", direction: "DOWN" }]);
  t.true(Math.abs(r.latency - 4e-3) < 1e-15);
  // n0 -> x: private link up, backbone, then the zone route from the cluster's router.
  t.deepEqual(p.route("n0", "x").links.map((u) => `${u.link}:${u.direction}`), ["c_link_0:UP", "c_backbone:NONE", "l2:NONE"]);
  t.deepEqual(p.route("n0", "n1").links.map((u) => `${u.link}:${u.direction}`), ["c_link_0:UP", "c_backbone:NONE", "c_link_1:DOWN"]);
  t.true(Math.abs(p.route("x", "n1").latency - (3e-3 + 1e-6 + 50e-6)) < 1e-15);
});

test("unsupported elements and versions are refused with the element's path", (t) => {
  t.throws(() => SimgridPlatform.parse(`<platform version="4"><zone id="a" routing="Full"/></platform>`), { message: /platform\[0\]: version "4" is not supported/ });
  t.throws(() => SimgridPlatform.parse(xml(`<zone id="a" routing="Star"></zone>`)), { message: /platform\[0\]\/zone\[a\]: routing "Star" is not supported/ });
  t.throws(() => SimgridPlatform.parse(xml(`<zone id="a" routing="Full"><disk id="d"/></zone>`)), { message: /zone\[a\]\/disk\[d\]: <disk> is not supported/ });
  t.throws(() => SimgridPlatform.parse(xml(`<zone id="a" routing="Full"><host id="h" speed="1Gf"/><route src="h" dst="h"><link_ctn id="nope"/></route></zone>`)), { message: /link_ctn\[nope\]: no link "nope"/ });
});

/**
 * Two example platforms in SimGrid's format (platforms/grid.xml: Floyd zones, clusters with and
 * without backbone, shared, split-duplex and fat-pipe links, zone routes whose gateways are
 * joined through a ring with equal-cost ways round; platforms/star.xml: a Dijkstra star with a
 * side link). References, made with flows.cpp and routes.cpp built as in make-reference.ts:
 *   routes P.xml > routes-P.txt
 *   flows P.xml flows-P.txt --cfg=network/model:M > ends-P-M.txt   (M = CM02, LV08)
 */
const platforms = new URL("./simgrid/platforms/", import.meta.url);
const lines = (name: string) => readFileSync(new URL(name, platforms), "utf8").trim().split("\n").map((l) => l.split(" "));

for (const name of ["grid", "star"]) {
  test(`${name}.xml: every route crosses SimGrid's links and has its latency`, (t) => {
    const p = SimgridPlatform.parse(readFileSync(new URL(`${name}.xml`, platforms), "utf8"));
    const links = (l: { link: string; direction: string }[]) => l.map((u) => (u.direction === "NONE" ? u.link : `${u.link}_${u.direction}`)).join(",");
    for (const [src, dst, latency, want] of lines(`routes-${name}.txt`)) {
      const r = p.route(src, dst);
      t.is(links(r.links), want ?? "", `${src} -> ${dst}`);
      t.true(Math.abs(r.latency - Number(latency)) <= 1e-15, `${src} -> ${dst}: ${r.latency} vs ${latency}`);
    }
  });

  for (const model of ["CM02", "LV08"]) {
    test(`${name}.xml under ${model}: all-to-all transfers end when SimGrid's do`, (t) => {
      const file = new URL(`${name}.xml`, platforms).pathname;
      const p = SimgridPlatform.parse(readFileSync(file, "utf8"));
      const { sim, world: w } = world({ platform: { hosts: p.hosts.map((h) => ({ id: h.id, speed: h.speed, cores: h.cores })), network: { topology: { kind: "simgrid", file }, model: model.toLowerCase() } } });
      const flows = lines(`flows-${name}.txt`);
      const ends = flows.map(() => NaN);
      flows.forEach(([s, d, bytes], i) => w.net.start(w.host(s).node, w.host(d).node, Number(bytes), { onDone: () => (ends[i] = sim.now) }));
      sim.run();
      const want = lines(`ends-${name}-${model}.txt`).map(([, e]) => Number(e));
      let worst = 0;
      ends.forEach((e, i) => (worst = Math.max(worst, Math.abs(e - want[i]) / want[i])));
      t.true(worst <= 1e-9, `largest relative difference ${worst}`);
    });
  }
}

test("a scenario's SimGrid file is checked on load: missing, unsupported, or without the scenario's hosts", (t) => {
  const file = new URL("star.xml", platforms).pathname;
  const doc = (f: string, hosts = ["h0", "h1"]) => ({ name: "t", duration: 1, platform: { hosts: hosts.map((id) => ({ id })), network: { topology: { kind: "simgrid", file: f } } } });
  t.notThrows(() => parseScenario(doc(file)));
  t.throws(() => parseScenario(doc(file, ["h0", "zz"])), { message: /platform\.network\.topology\.file: hosts "zz" are not in the SimGrid platform/ });
  t.throws(() => parseScenario(doc("nope.xml"), { baseDir: "/tmp" }), { message: /platform\.network\.topology\.file: no such file "\/tmp\/nope\.xml"/ });
  const bad = join(dir, "bad.xml");
  writeFileSync(bad, xml(`<zone id="a" routing="Vivaldi"/>`));
  t.throws(() => parseScenario(doc(bad)), { message: /platform\.network\.topology\.file: platform\[0\]\/zone\[a\]: routing "Vivaldi" is not supported/ });
});
