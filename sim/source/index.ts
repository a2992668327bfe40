/**
 * Where the tool's files are, whether it runs from the TypeScript sources or from the compiled
 * build under dist/ (bin/build.js), and how to start one of its modules as a child process.
 */
import { fileURLToPath } from "node:url";

/** True when this module was loaded from dist/ rather than transpiled from sim/. */
export const compiled = import.meta.url.endsWith(".js");

/** The checkout (or installed package) root, with a trailing slash. */
export const projectRoot: string = fileURLToPath(new URL(compiled ? "../../../" : "../../", import.meta.url));

const register = new URL(`${projectRoot}bin/register.js`, "file:").href;

/**
 * A module of the tool as a Node program: `module` is its URL as written beside the sources
 * (`new URL("./worker.ts", import.meta.url)`). From the build, the compiled twin runs directly;
 * from the sources, Node transpiles it on the fly.
 */
export function nodeProgram(module: URL): { file: string; execArgv: string[] } {
  const file = fileURLToPath(module);
  return compiled ? { file: file.replace(/\.ts$/, ".js"), execArgv: [] } : { file, execArgv: [`--import=${register}`] };
}
