#!/usr/bin/env node
import "./register.js";

await import("../sim/cli.ts");
