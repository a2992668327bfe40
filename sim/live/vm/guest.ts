/**
 * The live guest: a Debian cloud kernel and a busybox initrd, built by guest/build.sh from
 * Debian packages and cached ($VIRTUOSO_GUEST_DIR, else ~/.cache/virtuoso/guest).
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { projectRoot } from "../../source/index.js";

export interface Guest {
  kernel: string;
  initrd: string;
}

// Beside the sources, also when the command runs from the build in dist/.
export const buildScript = `${projectRoot}sim/live/vm/guest/build.sh`;

export const guestDir = (): string => process.env.VIRTUOSO_GUEST_DIR ?? join(homedir(), ".cache/virtuoso/guest");

/** The cached guest, if built. */
export function cachedGuest(dir = guestDir()): Guest | undefined {
  const g = { kernel: join(dir, "vmlinuz"), initrd: join(dir, "initrd.gz") };
  return existsSync(g.kernel) && existsSync(g.initrd) && existsSync(join(dir, "stamp")) ? g : undefined;
}

/** Builds the guest unless cached (a few seconds; needs apt-get and dpkg-deb). */
export function buildGuest(dir = guestDir()): Guest {
  execFileSync("sh", [buildScript, dir], { stdio: ["ignore", "ignore", "pipe"] });
  return cachedGuest(dir)!;
}
