#!/usr/bin/env node
// Runs the compiled build when it matches the sources (`npm run build`, done by `npm install`),
// else transpiles the TypeScript on the fly. VIRTUOSO_FROM_SOURCE=1 forces the latter.
import { fileURLToPath } from "node:url";
import { buildIsCurrent } from "./stamp.js";

if (process.env.VIRTUOSO_FROM_SOURCE !== "1" && buildIsCurrent(fileURLToPath(new URL("..", import.meta.url)))) {
  await import("../dist/sim/cli.js");
} else {
  await import("./register.js");
  await import("../sim/cli.ts");
}
