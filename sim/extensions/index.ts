/**
 * Extension modules named on the command line (`virtuoso --load MODULE ...`): each is imported
 * before the command runs, so the policies and workload kinds it registers are known to
 * validation and to the runner. The list is passed on through the environment, so a sweep's
 * worker processes and Slurm tasks load the same modules. Extensions are TypeScript against the
 * sources, so a command that loads one runs from the sources, not from the build (bin/virtuoso.js).
 */
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";

export const EXTENSIONS_ENV = "VIRTUOSO_EXTENSIONS";

export class ExtensionError extends Error {}

/** Imports `modules` (paths, relative to the working directory, or package names). */
export async function loadExtensions(modules: readonly string[]): Promise<void> {
  const absolute = modules.map((m) => (isPath(m) ? resolve(m) : m));
  for (const [i, m] of absolute.entries()) {
    try {
      await import(m.startsWith("/") ? pathToFileURL(m).href : m);
    } catch (e) {
      throw new ExtensionError(`--load ${modules[i]}: cannot load it: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
    }
  }
  if (absolute.length) process.env[EXTENSIONS_ENV] = JSON.stringify(absolute);
}

/** A file rather than a package name: `./x`, `/x`, `dir/x` (not `@scope/pkg`) or `x.ts`. */
function isPath(m: string): boolean {
  return m.startsWith(".") || isAbsolute(m) || (m.includes("/") && !m.startsWith("@")) || /\.[cm]?[jt]s$/.test(m);
}

/** In a child process (a sweep worker): the modules its parent loaded. */
export async function loadInheritedExtensions(): Promise<void> {
  const raw = process.env[EXTENSIONS_ENV];
  if (raw) await loadExtensions(JSON.parse(raw) as string[]);
}
