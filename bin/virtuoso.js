#!/usr/bin/env node
// Runs the compiled build when it matches the sources (`npm run build`, done by `npm install`),
// else transpiles the TypeScript on the fly. VIRTUOSO_FROM_SOURCE=1 forces the latter, and so
// does an extension module (--load), which imports the sources and must share their registries.
import { fileURLToPath } from "node:url";
import { buildIsCurrent } from "./stamp.js";

const extensions = process.argv.includes("--load") || process.argv.some((a) => a.startsWith("--load=")) || !!process.env.VIRTUOSO_EXTENSIONS;
if (process.env.VIRTUOSO_FROM_SOURCE !== "1" && !extensions && buildIsCurrent(fileURLToPath(new URL("..", import.meta.url)))) {
  await import("../dist/sim/cli.js");
} else {
  await import("./register.js");
  await import("../sim/cli.ts");
}
