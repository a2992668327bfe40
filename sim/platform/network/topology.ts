/**
 * The physical network: nodes (hosts, switches, routers) and links. Capacity lives in
 * resources: a full-duplex link is two, one per direction; a half-duplex link is one shared
 * by both. Other shared capacities (an overlay daemon's forwarding rate) are resources too.
 */
export type NodeKind = "host" | "switch" | "router";

export interface Link {
  id: number;
  a: number;
  b: number;
  bandwidth: number;
  latency: number;
  duplex: boolean;
  /** Not shared: every flow may use its whole bandwidth (SimGrid's FATPIPE); one resource for both ways. */
  fatpipe: boolean;
  name: string;
  /** Resource for a -> b, and for b -> a (the same one when half duplex). */
  fwd: number;
  rev: number;
}

export class Topology {
  readonly nodes: string[] = [];
  readonly kinds: NodeKind[] = [];
  readonly links: Link[] = [];
  /** adjacency[node] = link ids. */
  readonly adjacency: number[][] = [];
  private index = new Map<string, number>();
  capacity = new Float64Array(64);
  /** Per resource: bit 1 a link (its capacity is a bandwidth), bit 2 a fat pipe. */
  private flags = new Uint8Array(64);
  readonly resourceNames: string[] = [];
  /** Bumped whenever links change, so cached routes know they are stale. */
  version = 0;

  addNode(name: string, kind: NodeKind): number {
    if (this.index.has(name)) throw new Error(`network: duplicate node "${name}"`);
    const id = this.nodes.length;
    this.nodes.push(name);
    this.kinds.push(kind);
    this.adjacency.push([]);
    this.index.set(name, id);
    return id;
  }

  node(name: string): number {
    const id = this.index.get(name);
    if (id === undefined) throw new Error(`network: unknown node "${name}"`);
    return id;
  }

  has(name: string): boolean {
    return this.index.has(name);
  }

  addLink(a: number, b: number, bandwidth: number, latency: number, duplex = true, name?: string, fatpipe = false): Link {
    if (a === b) throw new Error(`network: link from ${this.nodes[a]} to itself`);
    const label = name ?? `${this.nodes[a]}-${this.nodes[b]}`;
    const split = duplex && !fatpipe;
    const fwd = this.addResource(bandwidth, split ? `${this.nodes[a]}>${this.nodes[b]}` : label, fatpipe ? 3 : 1);
    const rev = split ? this.addResource(bandwidth, `${this.nodes[b]}>${this.nodes[a]}`, 1) : fwd;
    const link: Link = { id: this.links.length, a, b, bandwidth, latency, duplex: split, fatpipe, name: label, fwd, rev };
    this.links.push(link);
    this.adjacency[a].push(link.id);
    this.adjacency[b].push(link.id);
    this.version++;
    return link;
  }

  /** A shared capacity that flows can be made to cross. */
  addResource(capacity: number, name: string, flags = 0): number {
    const r = this.resourceNames.length;
    if (this.capacity.length <= r) {
      const c = new Float64Array(2 * this.capacity.length);
      c.set(this.capacity);
      this.capacity = c;
      const f = new Uint8Array(2 * this.flags.length);
      f.set(this.flags);
      this.flags = f;
    }
    this.capacity[r] = capacity;
    this.flags[r] = flags;
    this.resourceNames.push(name);
    return r;
  }

  isLink(r: number): boolean {
    return (this.flags[r] & 1) !== 0;
  }

  isFatpipe(r: number): boolean {
    return (this.flags[r] & 2) !== 0;
  }

  /** The resource a transfer from `from` across `link` uses. */
  resource(link: Link, from: number): number {
    return from === link.a ? link.fwd : link.rev;
  }

  private byResource: Link[] = [];

  /** The link whose capacity resource `r` is (either direction). */
  linkOf(r: number): Link {
    if (this.byResource.length !== this.resourceCount) {
      this.byResource = new Array<Link>(this.resourceCount);
      for (const l of this.links) this.byResource[l.fwd] = this.byResource[l.rev] = l;
    }
    const link = this.byResource[r];
    if (!link) throw new Error(`network: resource ${this.resourceNames[r]} is not a link`);
    return link;
  }

  other(link: Link, node: number): number {
    return link.a === node ? link.b : link.a;
  }

  get resourceCount(): number {
    return this.resourceNames.length;
  }
}
