/**
 * One run owns its output folder: I/O faults (a full disk, an unwritable or read-only folder,
 * a file in the way), runs racing for one folder, a run that fails mid-way, and a crash on
 * a terminal. Faults that need root (mounts, another user) are skipped with the reason.
 */
import test from "ava";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, readOutput, root, tempDir, writeJson } from "../helpers.js";

const bin = join(root, "bin", "virtuoso.js");
const isRoot = process.getuid?.() === 0;

/** Two small scenarios that write different sets of files. */
const queue = { name: "queue", duration: 2000, workloads: [{ kind: "mm1", id: "q", arrivalRate: 0.5, serviceRate: 1 }] };
const ring = {
  name: "ring",
  duration: 30,
  platform: { hosts: [{ id: "h", count: 2 }] },
  vms: [{ id: "a", host: "h0" }, { id: "b", host: "h1" }],
  workloads: [{ kind: "bsp", id: "app", vms: ["a", "b"], pattern: "ring", messageBytes: 1e6, computeOps: 1e8, supersteps: 50 }],
};

function runAsync(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, CI: "1", ...env } });
    let stderr = "";
    p.stderr.on("data", (d) => (stderr += d));
    p.on("close", (code) => resolve({ code: code ?? -1, stderr }));
  });
}

/** Nothing of a run beside its folder: no staging folders left in `parent`. */
const leftovers = (parent: string) => readdirSync(parent).filter((f) => f.includes(".staging-"));

const oneLine = (t: any, stderr: string, re: RegExp) => {
  const lines = stderr.trim().split("\n");
  t.is(lines.length, 1, stderr);
  t.regex(lines[0], re);
  t.false(/^\s+at /m.test(stderr), stderr);
};

test("a run into a new folder writes it whole; a second run into it is refused; --force replaces it whole", (t) => {
  const dir = tempDir();
  const out = join(dir, "deep", "out");
  const q = writeJson(dir, "q.json", queue), r = writeJson(dir, "r.json", ring);
  t.is(cli("run", q, "--out", out, "-q").code, 0);
  const first = readOutput(out);
  t.true("q.customers.csv" in first);
  const again = cli("run", r, "--out", out, "-q");
  t.is(again.code, 2);
  oneLine(t, again.stderr, /--out .*: exists and is not empty; pass --force/);
  t.deepEqual(readOutput(out), first, "a refused run changes nothing");
  t.is(cli("run", r, "--out", out, "-q", "--force").code, 0);
  const names = Object.keys(readOutput(out));
  t.true(names.includes("app.supersteps.csv"));
  t.false(names.includes("q.customers.csv"), "nothing of the replaced run is left");
  t.deepEqual(leftovers(join(dir, "deep")), []);
});

test("--force refuses a folder that does not hold a run's output, and --out that is a file", (t) => {
  const dir = tempDir();
  const q = writeJson(dir, "q.json", queue);
  const notes = join(dir, "notes");
  mkdirSync(notes);
  writeFileSync(join(notes, "thesis.tex"), "precious");
  const r = cli("run", q, "--out", notes, "--force", "-q");
  t.is(r.code, 2);
  oneLine(t, r.stderr, /not a run's output/);
  t.is(readFileSync(join(notes, "thesis.tex"), "utf8"), "precious");
  const file = join(dir, "file");
  writeFileSync(file, "x");
  const f = cli("run", q, "--out", file, "-q");
  t.is(f.code, 2);
  oneLine(t, f.stderr, /exists and is not a folder/);
});

test("provenance: version, commit, command and the scenario's hash; reruns are byte-identical but for wall_s", (t) => {
  const dir = tempDir();
  const q = writeJson(dir, "q.json", queue);
  t.is(cli("run", q, "--out", join(dir, "a"), "--set", "workloads.0.arrivalRate=0.4", "-q").code, 0);
  t.is(cli("run", q, "--out", join(dir, "b"), "--set", "workloads.0.arrivalRate=0.4", "--quiet").code, 0);
  t.deepEqual(readOutput(join(dir, "a")), readOutput(join(dir, "b")));
  const s = JSON.parse(readFileSync(join(dir, "a", "summary.json"), "utf8"));
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  t.is(s.provenance.version, pkg.version);
  t.is(s.provenance.command, `virtuoso run ${q} --set workloads.0.arrivalRate=0.4`);
  const resolved = JSON.parse(readFileSync(join(dir, "a", "scenario.json"), "utf8"));
  t.is(resolved.workloads[0].arrivalRate, 0.4);
  t.is(s.provenance.scenario_sha256, createHash("sha256").update(JSON.stringify(resolved)).digest("hex"));
  if (existsSync(join(root, ".git"))) t.is(s.provenance.git_commit, execFileSync("git", ["-C", root, "rev-parse", "HEAD"], { encoding: "utf8" }).trim());
  else t.false("git_commit" in s.provenance);
});

test("a run that fails mid-way exits 1 and leaves no folder", (t) => {
  const dir = tempDir();
  const q = writeJson(dir, "q.json", queue);
  const out = join(dir, "new", "out");
  const r = spawnSync(process.execPath, [bin, "run", q, "--out", out, "-q"], { encoding: "utf8", env: { ...process.env, VIRTUOSO_INJECT_FAULT_AT: "500" } });
  t.is(r.status, 1);
  t.regex(r.stderr, /internal error: .*injected fault at t = 500/);
  t.false(existsSync(join(dir, "new")), "not even the parent folder made for it");
  t.deepEqual(readdirSync(dir).sort(), ["q.json"]);
});

test("two runs racing for one folder: one wins whole, the other is refused; with --force, one whole run is left", async (t) => {
  const dir = tempDir();
  // Both long enough (a second or two) that each claims the folder before the other commits.
  const q = writeJson(dir, "q.json", { ...queue, duration: 4e5 }), r = writeJson(dir, "r.json", { ...ring, duration: 1e5, workloads: [{ ...ring.workloads[0], supersteps: 20000 }] });
  const out = join(dir, "out");
  const [a, b] = await Promise.all([runAsync(["run", q, "--out", out, "-q"]), runAsync(["run", r, "--out", out, "-q"])]);
  t.deepEqual([a.code, b.code].sort(), [0, 1], a.stderr + b.stderr);
  t.regex(a.stderr + b.stderr, /another run wrote this folder while this one ran; nothing written/);
  const names = Object.keys(readOutput(out));
  const isQueue = names.includes("q.customers.csv"), isRing = names.includes("app.supersteps.csv");
  t.true(isQueue !== isRing, names.join(" "));
  t.is(JSON.parse(readFileSync(join(out, "summary.json"), "utf8")).scenario, isQueue ? "queue" : "ring");
  const [c, d] = await Promise.all([runAsync(["run", q, "--out", out, "-q", "--force"]), runAsync(["run", r, "--out", out, "-q", "--force"])]);
  t.deepEqual([c.code, d.code], [0, 0], c.stderr + d.stderr);
  const after = Object.keys(readOutput(out));
  t.true(after.includes("q.customers.csv") !== after.includes("app.supersteps.csv"), after.join(" "));
  t.deepEqual(leftovers(dir), []);
});

(isRoot ? test : test.skip)("a full disk: one line, exit 1, nothing left (tmpfs of 64 KB)", (t) => {
  const dir = tempDir();
  const mnt = join(dir, "small");
  mkdirSync(mnt);
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt]);
  try {
    // A long M/M/1 run writes a customers table far larger than 64 KB.
    const q = writeJson(dir, "q.json", { ...queue, duration: 20000 });
    const r = cli("run", q, "--out", join(mnt, "out"), "-q");
    t.is(r.code, 1);
    oneLine(t, r.stderr, /--out .*: cannot write: no space left on device \(ENOSPC\)/);
    t.deepEqual(readdirSync(mnt), []);
  } finally {
    execFileSync("umount", [mnt]);
  }
});

(isRoot ? test : test.skip)("a read-only --out: one line, exit 1, before simulating", (t) => {
  const dir = tempDir();
  const ro = join(dir, "ro");
  mkdirSync(ro);
  execFileSync("mount", ["--bind", ro, ro]);
  execFileSync("mount", ["-o", "remount,ro,bind", ro]);
  try {
    const q = writeJson(dir, "q.json", { ...queue, duration: 1e6 });
    const t0 = Date.now();
    const r = cli("run", q, "--out", join(ro, "out"), "-q");
    t.is(r.code, 1);
    oneLine(t, r.stderr, /--out .*: cannot write: read-only file system \(EROFS\)/);
    t.true(Date.now() - t0 < 5000, "refused before the long simulation");
  } finally {
    execFileSync("umount", [ro]);
  }
});

const nobody = spawnSync("setpriv", ["--version"]).status === 0 && isRoot;
test("an unwritable --out: one line, exit 1, before simulating", (t) => {
  const dir = tempDir();
  const locked = join(dir, "locked");
  mkdirSync(locked);
  chmodSync(locked, 0o555);
  chmodSync(dir, 0o755);
  const q = writeJson(dir, "q.json", { ...queue, duration: 1e6 });
  // Root may write anywhere: run as nobody where we are root.
  const cmd = nobody ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", process.execPath] : [process.execPath];
  if (!nobody && isRoot) return t.log("skipped: root without setpriv cannot be refused a write");
  const r = spawnSync(cmd[0], [...cmd.slice(1), bin, "run", q, "--out", join(locked, "out"), "-q"], { cwd: root, encoding: "utf8" });
  t.is(r.status, 1, r.stderr);
  oneLine(t, r.stderr, /--out .*: cannot write: permission denied \(EACCES\)/);
  t.deepEqual(readdirSync(locked), []);
});

const script = spawnSync("script", ["--version"]).status === 0;
(script ? test : test.skip)("on a terminal, a crash ends the process with its message intact, progress bar or not", (t) => {
  const dir = tempDir();
  const q = writeJson(dir, "q.json", { ...queue, duration: 200000 });
  const log = join(dir, "tty.log");
  const r = spawnSync("script", ["-qefc", `${process.execPath} ${bin} run ${q} --out ${join(dir, "out")}`, log], {
    encoding: "utf8",
    timeout: 60000,
    env: { ...process.env, VIRTUOSO_INJECT_FAULT_AT: "100000" },
  });
  t.not(r.signal, "SIGTERM", "the process hung");
  t.is(r.status, 1);
  const text = readFileSync(log, "utf8");
  t.regex(text, /virtuoso: internal error: Error: injected fault at t = 100000/);
  t.false(existsSync(join(dir, "out")));
});
