#!/usr/bin/env node
// Compiles sim/ and analysis/ to JavaScript under dist/ so the command starts without
// transpiling; bin/virtuoso.js runs the build only while it matches the sources (see stamp.js).
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { transformFile } from "@swc/core";
import { DIST, ROOTS, sourceStamp } from "./stamp.js";

const root = fileURLToPath(new URL("..", import.meta.url));

function* sources(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* sources(p);
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) yield p;
  }
}

const options = {
  jsc: { parser: { syntax: "typescript" }, target: "es2022", transform: { useDefineForClassFields: false } },
  module: { type: "es6" },
  sourceMaps: "inline",
};

// Built beside, then swapped in whole: a command starting meanwhile finds the old build or none.
const dist = join(root, DIST);
const next = join(root, `.${DIST}.building-${process.pid}`);
rmSync(next, { recursive: true, force: true });
// What the build is made from, taken before compiling: an edit during the build makes it stale.
const stamp = sourceStamp(root);
let n = 0;
for (const top of ROOTS) {
  for (const file of sources(join(root, top))) {
    const out = join(next, relative(root, file)).replace(/\.ts$/, ".js");
    const { code } = await transformFile(file, { ...options, filename: file, sourceFileName: relative(dirname(out), file) });
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, code);
    n++;
  }
}
// The stamp goes last: a build interrupted half-way has none and is never used.
writeFileSync(join(next, "stamp.json"), JSON.stringify(stamp));
const old = join(root, `.${DIST}.old-${process.pid}`);
if (existsSync(dist)) renameSync(dist, old);
renameSync(next, dist);
rmSync(old, { recursive: true, force: true });
if (!process.argv.includes("--quiet")) process.stderr.write(`built ${n} modules into ${DIST}/\n`);
