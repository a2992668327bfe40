/**
 * The live TrafficTap: per (src, dst) byte counters kept by the kernel in an nftables table
 * this process creates (and always deletes), one counting rule per ordered address pair. It
 * sees the traffic as the kernel does, not as the application reports it.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import type { TrafficSample, TrafficTap } from "../ports/index.js";

/** The system's nft by path: a node_modules/.bin on PATH may hold an unrelated "nft". */
export const NFT = ["/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft"].find(existsSync);

export class NftablesTap implements TrafficTap {
  readonly table = `virtuoso_${process.pid}`;
  private last = new Map<string, number>();
  private byAddress: Map<string, string>;

  /** `vms`: VM name -> its address. */
  constructor(private readonly vms: Map<string, string>) {
    this.byAddress = new Map([...vms].map(([vm, a]) => [a, vm]));
    const rules: string[] = [`add table inet ${this.table}`, `add chain inet ${this.table} out { type filter hook output priority 0; }`];
    for (const a of vms.values()) for (const b of vms.values()) if (a !== b) rules.push(`add rule inet ${this.table} out ip saddr ${a} ip daddr ${b} counter`);
    execFileSync(NFT!, ["-f", "-"], { input: rules.join("\n") + "\n" });
  }

  hosts(): string[] {
    return ["localhost"];
  }

  read(): TrafficSample[] {
    const doc = JSON.parse(execFileSync(NFT!, ["-j", "list", "table", "inet", this.table], { encoding: "utf8" })) as NftDocument;
    return pairDeltas(doc, this.last, this.byAddress);
  }

  close(): void {
    try {
      execFileSync(NFT!, ["delete", "table", "inet", this.table], { stdio: "ignore" });
    } catch {
      // Already gone.
    }
  }
}

/** Tables this tool created that are still there (a cleanup check). */
export function leftoverTables(): string[] {
  try {
    if (!NFT) return [];
    return execFileSync(NFT, ["list", "tables"], { encoding: "utf8" }).split("\n").filter((l) => l.includes("virtuoso_"));
  } catch {
    return [];
  }
}

export interface NftDocument {
  nftables: Record<string, any>[];
}

/**
 * Bytes per (src, dst) since the last read, from `nft -j list table` output whose counting rules
 * match a source and a destination address each: `last` keeps each pair's counter between reads,
 * `byAddress` names the VM at an address, and `chain` picks the counting chains.
 */
export function pairDeltas(doc: NftDocument, last: Map<string, number>, byAddress: ReadonlyMap<string, string>, chain: (name: string) => boolean = () => true): TrafficSample[] {
  const out: TrafficSample[] = [];
  for (const item of doc.nftables) {
    const rule = item.rule;
    if (!rule || !chain(String(rule.chain))) continue;
    const matches = rule.expr.filter((e: any) => e.match).map((e: any) => e.match.right as string);
    const counter = rule.expr.find((e: any) => e.counter)?.counter;
    if (matches.length !== 2 || !counter) continue;
    const key = `${matches[0]}>${matches[1]}`;
    const delta = counter.bytes - (last.get(key) ?? 0);
    last.set(key, counter.bytes);
    const src = byAddress.get(matches[0]), dst = byAddress.get(matches[1]);
    if (src && dst && delta > 0) out.push({ src, dst, bytes: delta });
  }
  return out;
}
