/**
 * A UUCS testcase's borrowing over the platform model: CPU as load on the host beside its VMs
 * (`threads` busy threads at the level's duty cycle, in cores, as the comfort study borrows it),
 * an entity of its own that joins the host at the first start. The platform models no memory
 * or disk, so those testcases only record their levels (the `uucs` table).
 */
import type { CpuEntity, Host, World } from "../platform/index.js";
import type { Borrower, Testcase } from "../uucs/index.js";

class BorrowedCpu implements CpuEntity {
  readonly name: string;
  cores = 0;
  cpuRate = 0;
  constructor(private readonly host: Host) {
    this.name = `${host.id}.uucs`;
  }
  demand(): number {
    return this.cores * this.host.speed;
  }
  setCpuRate(rate: number): void {
    this.cpuRate = rate;
  }
}

export function borrowedCpu(world: World, hostId: string | undefined): (tc: Testcase) => Borrower {
  let load: { host: Host; cpu: BorrowedCpu } | undefined;
  return (tc) => {
    if (tc.resource !== "cpu") return { level() {}, end() {} };
    if (!load) {
      const host = world.host(hostId ?? [...world.hosts.keys()][0]);
      load = { host, cpu: new BorrowedCpu(host) };
      host.add(load.cpu);
    }
    const { host, cpu } = load;
    const set = (cores: number) => {
      if (cpu.cores === cores) return;
      cpu.cores = cores;
      host.changed();
    };
    return { level: (x) => set(x * tc.threads), end: () => set(0) };
  };
}
