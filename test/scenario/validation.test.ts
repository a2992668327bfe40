import test from "ava";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadScenario, parseScenario, ScenarioError, scenarioJsonSchema } from "../../sim/scenario/index.js";
import { cli, root, tempDir, writeJson } from "../helpers.js";

const base = {
  name: "t",
  duration: 10,
  platform: { hosts: [{ id: "h", count: 2 }] },
  vms: [{ id: "vm0", host: "h0" }],
  workloads: [{ kind: "mm1", id: "q", arrivalRate: 1, serviceRate: 2 }],
};

function problems(doc: unknown, sets: string[] = []): string[] {
  try {
    parseScenario(doc, { sets });
    return [];
  } catch (e) {
    if (e instanceof ScenarioError) return e.problems;
    throw e;
  }
}

test("a valid scenario parses, with defaults filled and host templates expanded", (t) => {
  const s = parseScenario(base);
  t.is(s.seed, 1);
  t.deepEqual(s.platform.hosts.map((h) => h.id), ["h0", "h1"]);
  t.is(s.vms[0].vcpus, 1);
});

const cases: [string, (d: any) => void, string][] = [
  ["wrong type", (d) => (d.duration = "long"), 'duration: expected a time like "10ms" or seconds number, got "long"'],
  ["missing field", (d) => delete d.duration, "duration: required field is missing"],
  ["negative quantity", (d) => (d.workloads[0].arrivalRate = -1), "workloads.0.arrivalRate: Too small: expected number to be >0"],
  ["NaN quantity", (d) => (d.workloads[0].serviceRate = NaN), "workloads.0.serviceRate: Invalid input: expected number, received NaN"],
  ["unknown host", (d) => (d.vms[0].host = "h7"), 'vms.0.host: unknown host "h7"'],
  ["duplicate VM", (d) => d.vms.push({ id: "vm0", host: "h1" }), 'vms.1.id: duplicate VM "vm0"'],
  ["unknown field", (d) => (d.platform.hosts[0].cpus = 4), "platform.hosts.0.cpus: unknown field"],
  ["bad check phase", (d) => (d.platform.migration = { model: "qemu", checkPhase: "rand" }), 'platform.migration.checkPhase: expected a number in [0, 1) or "random"'],
  ["check phase of 1", (d) => (d.platform.migration = { model: "qemu", checkPhase: 1 }), "platform.migration.checkPhase: Too big: expected number to be <1"],
  ["unknown workload kind", (d) => (d.workloads[0].kind = "mystery"), "workloads.0.kind:"],
];

for (const [what, mutate, line] of cases) {
  test(`${what} is reported as "path: message"`, (t) => {
    const doc = structuredClone(base);
    mutate(doc);
    const ps = problems(doc);
    t.true(ps.some((p) => p.startsWith(line)), ps.join("\n"));
  });
}

test("every problem is reported at once, type errors and references together", (t) => {
  const doc: any = structuredClone(base);
  doc.duration = -1;
  doc.vms[0].host = "nowhere";
  doc.workloads[0].arrivalRate = "fast";
  const ps = problems(doc);
  t.is(ps.length, 3, ps.join("\n"));
});

test("--set applies JSON values, creates missing objects, and reports bad paths", (t) => {
  const s = parseScenario(base, { sets: ["seed=9", "workloads.0.servers=3", "description=hello world"] });
  t.is(s.seed, 9);
  t.is(s.workloads[0].kind === "mm1" && s.workloads[0].servers, 3);
  t.is(s.description, "hello world");
  t.deepEqual(problems(base, ["nonsense"]), ["--set nonsense: expected path=value"]);
  t.deepEqual(problems(base, ["vms.x=1"]), ["--set vms.x=1: vms is an array; index it with a number"]);
});

test("the CLI exits 2 with one line per problem and no stack trace", (t) => {
  const doc: any = structuredClone(base);
  doc.duration = -1;
  doc.vms[0].host = "nowhere";
  const file = writeJson(tempDir(), "bad.json", doc);
  const r = cli("validate", file);
  t.is(r.code, 2);
  t.deepEqual(r.stderr.trim().split("\n"), ["duration: Too small: expected number to be >0", 'vms.0.host: unknown host "nowhere"']);
  t.notRegex(r.stderr, /\bat .*\.ts:\d+/);
});

test("unreadable files and broken JSON are exit 2 with the file named", (t) => {
  const dir = tempDir();
  const missing = cli("validate", `${dir}/none.json`);
  t.is(missing.code, 2);
  t.regex(missing.stderr, /none\.json: cannot read: ENOENT/);
  // Truncated, trailing comma, empty, not JSON at all: each is refused before any schema check.
  for (const [i, text] of ['{"name": "t", "duration": ', '{"name": "t", "duration": 1,}', "", "x"].entries()) {
    const broken = join(dir, `broken${i}.json`);
    writeFileSync(broken, text);
    t.throws(() => JSON.parse(text));
    t.throws(() => loadScenario(broken), { instanceOf: ScenarioError, message: new RegExp(`broken${i}\\.json`) });
    for (const command of i === 0 ? ["validate", "run"] : ["validate"]) {
      const r = cli(command, broken, ...(command === "run" ? ["--out", join(dir, `out${i}`)] : []));
      t.is(r.code, 2, `${command} ${JSON.stringify(text)}: ${r.stderr}`);
      t.regex(r.stderr, new RegExp(`broken${i}\\.json`));
      t.notRegex(r.stderr, /\bat .*\.(ts|js):\d+/);
    }
  }
});

test("the committed JSON Schema is the one the zod schema exports", (t) => {
  const committed = JSON.parse(readFileSync(`${root}/scenarios/scenario.schema.json`, "utf8"));
  t.deepEqual(committed, JSON.parse(JSON.stringify(scenarioJsonSchema())));
});

test("every committed scenario validates", (t) => {
  const names = readdirSync(`${root}/scenarios`).filter((f) => f.endsWith(".json") && f !== "scenario.schema.json");
  t.true(names.length > 5);
  for (const name of names) t.notThrows(() => loadScenario(`${root}/scenarios/${name}`), name);
});

test("platform references are checked: overlay proxy and rules, routes, sites, explicit links", (t) => {
  const doc = {
    name: "t",
    duration: 1,
    platform: {
      hosts: [{ id: "h", count: 2 }],
      network: {
        topology: { kind: "explicit", nodes: [{ id: "sw", kind: "switch" }], links: [{ a: "h0", b: "sw", bandwidth: 1, latency: 0 }, { a: "h9", b: "sw", bandwidth: 1, latency: 0 }] },
        routes: [{ from: "h0", to: "h1", via: ["nowhere"] }],
      },
      overlay: { enabled: true, rules: [{ at: "h0", src: "vmX", dst: "vm0", next: "h5" }] },
    },
    vms: [{ id: "vm0", host: "h0" }],
    workloads: [{ kind: "batch", id: "b", vm: "ghost" }],
  };
  t.deepEqual(problems(doc).sort(), [
    'platform.network.routes.0.via.0: unknown node "nowhere"',
    'platform.network.topology.links.1.a: unknown node "h9"',
    "platform.overlay.proxy: required when the overlay is enabled in star mode",
    'platform.overlay.rules.0.next: unknown host "h5"',
    'platform.overlay.rules.0.src: unknown VM "vmX"',
    'workloads.0.vm: unknown VM "ghost"',
  ]);
});
