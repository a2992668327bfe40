/**
 * The live interactive prober: thinks (exponential, seeded), then asks for a burst of work and
 * times how long it takes in wall time, as a user would feel it. Prints "ready" once started,
 * then "response SECONDS" per burst.
 * Arguments: a JSON job on argv[2].
 */
import seedrandom from "seedrandom";
import { spin } from "./spin.js";

const job = JSON.parse(process.argv[2]) as { thinkTime: number; burstOps: number; seed: string };
const random = seedrandom.alea(job.seed);

function next(): void {
  setTimeout(() => {
    const t0 = process.hrtime.bigint();
    spin(job.burstOps);
    process.stdout.write(`response ${Number(process.hrtime.bigint() - t0) / 1e9}\n`);
    process.stdout.write("ready\n");
next();
  }, -Math.log(1 - random()) * job.thinkTime * 1000);
}

process.stdout.write("ready\n");
next();
