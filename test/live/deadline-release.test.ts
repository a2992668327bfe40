/**
 * Ending a SCHED_DEADLINE reservation gives its bandwidth back, also for a thread that sleeps
 * when it ends (a paused QEMU's vCPU thread). A kernel seen here (6.18) keeps the bandwidth of a
 * task switched to SCHED_OTHER while it sleeps booked until reboot; endDeadline shrinks the
 * reservation first. Checked by admission: reservations of half a CPU, each made and ended on a
 * sleeping task, more times than the machine's deadline bandwidth holds, and the last one is
 * still admitted (with a plain switch to SCHED_OTHER, such a kernel refuses it: EBUSY).
 */
import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import { endDeadline, setDeadline, which } from "../../sim/live/backends.js";
import { liveTest } from "./gate.js";

const why = process.getuid?.() !== 0 ? "needs root (SCHED_DEADLINE)" : which("chrt") ? undefined : "chrt (util-linux) is not installed";

liveTest("a reservation ended while its thread sleeps gives its bandwidth back: half-CPU reservations made and ended on sleeping tasks, more than the machine holds, all admitted", why, async (t) => {
  // The kernel's bound is 0.95 of each CPU; one more than that many halves.
  const rounds = Math.ceil((0.95 * availableParallelism()) / 0.5) + 1;
  for (let i = 0; i < rounds; i++) {
    const sleeper = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      await new Promise((r) => setTimeout(r, 50));
      t.notThrows(() => setDeadline(sleeper.pid!, { period: 0.1, slice: 0.05 }), `round ${i + 1} of ${rounds}`);
      endDeadline(sleeper.pid!);
    } finally {
      sleeper.kill("SIGKILL");
    }
  }
});
