import test from "ava";
import fc from "fast-check";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseScenario, scenarioJsonSchema } from "../../sim/scenario/index.js";
import { parseQuantity, unitPattern, type QuantityKind } from "../../sim/scenario/units.js";
import { root, tempDir } from "../helpers.js";

type Json = Record<string, unknown>;

interface Leaf {
  path: string;
  /** The unit kind its string pattern admits; undefined for a plain number. */
  kind?: QuantityKind;
  description: string;
}

/** Every numeric field of the scenario's JSON Schema, with the unit kind its string form admits. */
function numericFields(): Leaf[] {
  const schema = scenarioJsonSchema() as Json;
  const defs = (schema.$defs ?? {}) as Record<string, Json>;
  const out: Leaf[] = [];
  const patterns = (["time", "size", "rate", "speed"] as const).map((k) => [k, unitPattern(k)] as const);
  const walk = (node: Json | undefined, path: string, description: string, depth: number): void => {
    if (!node || depth > 40) return;
    if (typeof node.$ref === "string") return walk(defs[node.$ref.split("/").pop()!], path, description, depth + 1);
    const desc = typeof node.description === "string" ? node.description : description;
    const alts = (node.anyOf ?? node.oneOf) as Json[] | undefined;
    if (alts) {
      const strings = alts.filter((a) => a.type === "string" && typeof a.pattern === "string");
      const numbers = alts.filter((a) => a.type === "number" || a.type === "integer");
      if (numbers.length && strings.length) {
        const kind = patterns.find(([, p]) => p === strings[0].pattern)?.[0];
        out.push({ path, kind, description: desc });
        return;
      }
      for (const a of alts) walk(a, path, desc, depth + 1);
      return;
    }
    if (node.type === "number" || node.type === "integer") out.push({ path, description: desc });
    for (const [k, v] of Object.entries((node.properties ?? {}) as Record<string, Json>)) walk(v, `${path}.${k}`, "", depth + 1);
    if (node.items && typeof node.items === "object") walk(node.items as Json, `${path}[]`, "", depth + 1);
  };
  walk(schema, "", "", 0);
  return out;
}

/** A field that holds seconds, bytes or bytes per second, judged by its name and description. */
const looksLikeQuantity = (f: Leaf) =>
  /(latency|bandwidth|bytes|memory|interval|period|slice|delay|timeout|duration|tick|overhead|downtime|cooldown|budget|switchover|thinkTime|maxAge|firstAt|warmup|lookahead|window|tcpWindow|weightS)$|\.at$|\.start$|\.end$|\.min$|\.max$|Rate$|\.rate$/i.test(f.path.replace(/\[\]/g, "")) ||
  /\b(seconds?|bytes|bytes per second)\b/.test(f.description);

/** Plain numbers whose name suggests a quantity but that count something else. */
const notQuantities: Record<string, string> = {
  ".platform.migration.touched.perMemory": "a share of memory",
  ".platform.migration.autoConverge.max": "a throttle fraction",
  ".policies.adapt.predict.window": "samples",
  ".policies.adapt.predict.errorWindow": "samples",
  ".policies.user.users[].window": "responses",
  ".policies.user.users[].button.max": "a share of a core",
  ".policies.user.users[].joystick.min": "a share of a core",
  ".experiment.window": "user-population and uucs-population: responses; prediction: samples (a time window elsewhere takes units)",
  ".experiment.alternateWindow": "updates",
  ".experiment.windows[]": "smoothing windows, in updates",
  ".policies.vttif.window": "updates",
  ".policies.wren.window": "samples",
  ".experiment.noise.rate": "messages per second",
  ".workloads[].rate": "messages per second",
  ".workloads[].arrivalRate": "customers per second",
  ".workloads[].serviceRate": "customers per second",
  ".policies.control.apps[].dedicatedRate": "supersteps per second",
  ".policies.control.apps[].targets[].rate": "fraction of the dedicated rate",
  ".experiment.periods.count": "a count",
  ".policies.adapt.latencyWeight": "objective units per second of latency",
};

test("every time, byte and byte-rate field of the scenario schema also takes a unit string", (t) => {
  const fields = numericFields();
  const withUnits = fields.filter((f) => f.kind !== undefined);
  t.true(withUnits.length >= 60, `only ${withUnits.length} unit fields found`);
  const missed = fields.filter((f) => f.kind === undefined && looksLikeQuantity(f) && !(f.path in notQuantities));
  t.deepEqual(missed.map((f) => f.path), [], "these fields look like times, sizes or rates but take only numbers");
  // The kind matches what the field holds.
  for (const f of withUnits) {
    const p = f.path.replace(/\[\]/g, "");
    if (/latency|delay|interval|period|slice|timeout|duration|tick|\.at$|\.start$/i.test(p)) t.is(f.kind, "time", f.path);
    if (/bandwidth|minDemand|steps\.rate/i.test(p)) t.is(f.kind, "rate", f.path);
    if (/speed$/.test(p)) t.is(f.kind, "speed", f.path);
    if (/bytes|memory|tcpWindow|weightS/i.test(p) && !/dirtyRate/.test(p)) t.is(f.kind, "size", f.path);
  }
});

const sample: Record<QuantityKind, [string, number]> = { time: ["50us", 5e-5], size: ["4GiB", 2 ** 32], rate: ["1Gbps", 1.25e8], speed: ["1Gf", 1e9] };

test("unit patterns accept SimGrid's spellings and refuse others", (t) => {
  const ok: [QuantityKind, string, number][] = [
    ["rate", "125MBps", 125e6], ["rate", "1Gbps", 125e6], ["rate", "10kBps", 1e4], ["rate", "1KiBps", 1024], ["rate", "8Mibps", 2 ** 20], ["rate", "100 Mbps", 12.5e6],
    ["time", "10ms", 0.01], ["time", "50us", 50e-6], ["time", "3ns", 3e-9], ["time", "2m", 120], ["time", "1h", 3600], ["time", "1d", 86400], ["time", "1.5s", 1.5], ["time", "1e3ms", 1],
    ["speed", "1Gf", 1e9], ["speed", "2.5Mflops", 2.5e6],
    ["size", "4GiB", 4 * 2 ** 30], ["size", "1kB", 1000], ["size", "16b", 2], ["size", "2MiB", 2 ** 21], ["size", "1.5e3B", 1500],
  ];
  for (const [kind, text, value] of ok) {
    t.true(new RegExp(unitPattern(kind)).test(text), text);
    t.is(parseQuantity(text, kind), value, text);
  }
  for (const [kind, text] of [["rate", "1 parsec"], ["rate", "1GB"], ["time", "1Gbps"], ["size", "10ms"], ["time", "5"], ["time", "ms"], ["size", "1 GiB/s"], ["rate", "1e3"]] as const) {
    t.false(new RegExp(unitPattern(kind)).test(text), text);
    t.is(parseQuantity(text, kind), undefined, text);
  }
});

test("a decimal unit string gives the same double as the number written out", (t) => {
  t.plan(1);
  const units: [string, number][] = [["ms", -3], ["us", -6], ["ns", -9], ["s", 0], ["kBps", 3], ["MBps", 6], ["GBps", 9]];
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 10 ** 9 }), fc.integer({ min: 0, max: 6 }), fc.constantFrom(...units), (mant, frac, [unit, exp]) => {
      const digits = String(mant);
      const text = frac > 0 && digits.length > frac ? `${digits.slice(0, -frac)}.${digits.slice(-frac)}` : digits;
      const kind: QuantityKind = unit.endsWith("ps") ? "rate" : "time";
      return parseQuantity(text + unit, kind) === Number(`${text}e${exp}`);
    }),
  );
  t.pass();
});

/** A scenario touching many unit fields, written once with unit strings and once with numbers. */
function scenario(u: (kind: QuantityKind, text: string, value: number) => unknown) {
  return {
    name: "units",
    duration: u("time", "2m", 120),
    platform: {
      hosts: [{ id: "h", count: 2, speed: u("speed", "2Gf", 2e9), tick: u("time", "10ms", 0.01), vnicLatency: u("time", "20us", 2e-5) }],
      network: {
        model: "lv08",
        topology: { kind: "two-sites", siteA: ["h0"], lan: { bandwidth: u("rate", "1Gbps", 1.25e8), latency: u("time", "50us", 5e-5) }, wan: { bandwidth: u("rate", "100Mbps", 1.25e7), latency: u("time", "10ms", 0.01) } },
        tcpWindow: u("size", "4MiB", 4194304),
        weightS: u("size", "20537B", 20537),
        localBandwidth: u("rate", "10GBps", 1e10),
      },
      overlay: { forwardLatency: u("time", "100us", 1e-4), daemonBandwidth: u("rate", "80MBps", 8e7) },
    },
    vms: [{ id: "a", host: "h0", memory: u("size", "512MiB", 2 ** 29) }, { id: "b", host: "h1", memory: u("size", "1GiB", 2 ** 30) }],
    workloads: [{ kind: "bsp", id: "app", vms: ["a", "b"], pattern: "all-to-all", messageBytes: u("size", "1MB", 1e6), computeOps: 1e8, supersteps: 3, start: u("time", "1s", 1) }],
    policies: { vttif: { interval: u("time", "500ms", 0.5) }, wren: { minBytes: u("size", "64KiB", 65536) } },
  };
}

test("unit strings load as the numbers they stand for", (t) => {
  const withUnits = parseScenario(scenario((_k, text) => text));
  const withNumbers = parseScenario(scenario((_k, _text, value) => value));
  t.deepEqual(withUnits, withNumbers);
  t.is(withUnits.platform.network.tcpWindow, 4194304);
  t.is(withUnits.duration, 120);
  // Every field above is a unit field of the kind used.
  const kinds = new Map(numericFields().map((f) => [f.path, f.kind]));
  t.is(kinds.get(".platform.network.topology.lan.bandwidth"), "rate");
  t.is(kinds.get(".vms[].memory"), "size");
  t.is(kinds.get(".duration"), "time");
});

test("a bad unit is refused with the field's path and exit 2, before any output", (t) => {
  const dir = tempDir();
  const doc = scenario((_k, text) => text) as Json;
  (doc.platform as { network: { topology: { lan: Json } } }).network.topology.lan.bandwidth = "1 parsec";
  (doc.vms as Json[])[0].memory = "4GB/s";
  doc.duration = "10 fortnights";
  const file = join(dir, "bad.json");
  writeFileSync(file, JSON.stringify(doc));
  const out = join(dir, "out");
  const r = spawnSync(process.execPath, [join(root, "bin", "virtuoso.js"), "run", file, "--out", out], { encoding: "utf8" });
  t.is(r.status, 2, r.stderr);
  const lines = r.stderr.trim().split("\n");
  t.true(lines.includes(`platform.network.topology.lan.bandwidth: expected a rate like "1Gbps" or bytes/s number, got "1 parsec"`), r.stderr);
  t.true(lines.includes(`vms.0.memory: expected a size like "4GiB" or bytes number, got "4GB/s"`), r.stderr);
  t.true(lines.includes(`duration: expected a time like "10ms" or seconds number, got "10 fortnights"`), r.stderr);
  // A unit string is checked like the number it stands for.
  t.throws(() => parseScenario({ ...scenario((_k, text) => text), duration: "0s" }), { message: /duration: Too small/ });
  for (const [kind, [text]] of Object.entries(sample)) t.truthy(new RegExp(unitPattern(kind as QuantityKind)).test(text));
});
