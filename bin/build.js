#!/usr/bin/env node
// Compiles sim/ and analysis/ to JavaScript under dist/ so the command starts without
// transpiling; bin/virtuoso.js runs the build only while it matches the sources (see stamp.js).
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
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

const dist = join(root, DIST);
rmSync(dist, { recursive: true, force: true });
let n = 0;
for (const top of ROOTS) {
  for (const file of sources(join(root, top))) {
    const out = join(dist, relative(root, file)).replace(/\.ts$/, ".js");
    const { code } = await transformFile(file, { ...options, filename: file, sourceFileName: relative(dirname(out), file) });
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, code);
    n++;
  }
}
// The stamp goes last: a build interrupted half-way has none and is never used.
writeFileSync(join(dist, "stamp.json"), JSON.stringify(sourceStamp(root)));
if (!process.argv.includes("--quiet")) process.stderr.write(`built ${n} modules into ${DIST}/\n`);
