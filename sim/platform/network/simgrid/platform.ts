/**
 * A SimGrid platform (version 4.1): zones nested in zones, hosts, routers, links, routes.
 * Supported: zones routed Full (every route declared), Floyd and Dijkstra (shortest chains of
 * declared routes, a route costing its number of links, as SimGrid counts), and Cluster
 * (`<cluster>`: a private link per host, an optional backbone, a router), nested to any depth
 * with `<zoneRoute>` between zones. Anything else is refused with the element's path.
 */
import * as units from "./units.js";
import { parseXml, type XmlElement } from "./xml.js";

export type Sharing = "SHARED" | "SPLITDUPLEX" | "FATPIPE";
export type Direction = "UP" | "DOWN" | "NONE";

export interface SgLink {
  id: string;
  bandwidth: number;
  latency: number;
  sharing: Sharing;
}

export interface SgHost {
  id: string;
  speed: number;
  cores: number;
}

export interface LinkUse {
  link: string;
  direction: Direction;
}

interface LocalRoute {
  gwSrc?: string;
  gwDst?: string;
  links: LinkUse[];
}

interface Zone {
  id: string;
  routing: "Full" | "Floyd" | "Dijkstra" | "Cluster";
  parent?: Zone;
  /** Declared routes by "src\tdst". */
  routes: Map<string, LocalRoute>;
  /** Hosts, routers and child zones in declaration order (SimGrid's netpoint ids). */
  points: string[];
  /** Floyd and Dijkstra: predecessor table, built on first use. */
  pred?: Int32Array;
  cluster?: { router: string; privateLink: Map<string, string>; backbone?: string };
}

export class SimgridPlatform {
  readonly hosts: SgHost[] = [];
  readonly links = new Map<string, SgLink>();
  /** Zone that directly holds each host, router or zone (by name). */
  private home = new Map<string, Zone>();
  private zones = new Map<string, Zone>();
  private root!: Zone;

  static parse(text: string): SimgridPlatform {
    const p = new SimgridPlatform();
    const doc = parseXml(text);
    if (doc.name !== "platform") throw new Error(`${doc.path}: expected <platform>`);
    if (doc.attrs.version !== "4.1") throw new Error(`${doc.path}: version "${doc.attrs.version ?? ""}" is not supported; expected "4.1"`);
    const tops = doc.children.filter((c) => c.name !== "prop");
    if (tops.length !== 1 || (tops[0].name !== "zone" && tops[0].name !== "cluster")) throw new Error(`${doc.path}: expected one root <zone> or <cluster>`);
    p.root = tops[0].name === "zone" ? p.zone(tops[0]) : p.cluster(tops[0]);
    return p;
  }

  /** Links crossed from host or router `src` to `dst`, in order, and their summed latency. */
  route(src: string, dst: string): { links: LinkUse[]; latency: number } {
    const links = this.global(src, dst);
    let latency = 0;
    for (const l of links) latency += this.links.get(l.link)!.latency;
    return { links, latency };
  }

  private global(src: string, dst: string): LinkUse[] {
    if (src === dst) return [];
    const up = (n: string) => {
      const path: Zone[] = [];
      for (let z: Zone | undefined = this.where(n); z; z = z.parent) path.unshift(z);
      return path;
    };
    const ps = up(src), pd = up(dst);
    let k = 0;
    while (k < ps.length && k < pd.length && ps[k] === pd[k]) k++;
    const common = ps[k - 1];
    // Each end as the common zone sees it: itself, or the child zone that holds it.
    const a = k < ps.length ? ps[k].id : src, b = k < pd.length ? pd[k].id : dst;
    const r = this.local(common, a, b);
    const out: LinkUse[] = [];
    if (r.gwSrc !== undefined && r.gwSrc !== src) out.push(...this.global(src, r.gwSrc));
    out.push(...r.links);
    if (r.gwDst !== undefined && r.gwDst !== dst) out.push(...this.global(r.gwDst, dst));
    return out;
  }

  private where(n: string): Zone {
    const z = this.home.get(n);
    if (!z) throw new Error(`simgrid: no host or router "${n}"`);
    return z;
  }

  private local(z: Zone, src: string, dst: string): LocalRoute {
    if (z.cluster) {
      const c = z.cluster, links: LinkUse[] = [];
      const priv = (n: string) => c.privateLink.get(n);
      // Only split-duplex private links have a direction.
      const use = (link: string, d: Direction): LinkUse => ({ link, direction: this.links.get(link)!.sharing === "SPLITDUPLEX" ? d : "NONE" });
      if (priv(src)) links.push(use(priv(src)!, "UP"));
      if (c.backbone) links.push({ link: c.backbone, direction: "NONE" });
      if (priv(dst)) links.push(use(priv(dst)!, "DOWN"));
      return { links };
    }
    if (z.routing !== "Full") return this.shortest(z, src, dst);
    const r = z.routes.get(`${src}\t${dst}`);
    if (!r) throw new Error(`simgrid: zone "${z.id}" declares no route from "${src}" to "${dst}"`);
    return r;
  }

  /**
   * The cheapest chain of declared routes, by Floyd-Warshall over the zone's points in
   * declaration order with strict improvement, as SimGrid's Floyd zone computes it (a Dijkstra
   * zone finds a path of the same cost; on ties SimGrid's heap may pick another). Gateways
   * of consecutive zone routes that differ are joined by the route between them.
   */
  private shortest(z: Zone, src: string, dst: string): LocalRoute {
    const n = z.points.length;
    const id = new Map(z.points.map((p, i) => [p, i]));
    if (!z.pred) {
      const cost = new Float64Array(n * n).fill(Infinity);
      const pred = new Int32Array(n * n).fill(-1);
      for (const [key, r] of z.routes) {
        const [a, b] = key.split("\t").map((p) => id.get(p)!);
        cost[a * n + b] = r.links.length;
        pred[a * n + b] = a;
      }
      for (let c = 0; c < n; c++) {
        for (let a = 0; a < n; a++) {
          for (let b = 0; b < n; b++) {
            const via = cost[a * n + c] + cost[c * n + b];
            if (via < Infinity && via < cost[a * n + b]) {
              cost[a * n + b] = via;
              pred[a * n + b] = pred[c * n + b];
            }
          }
        }
      }
      z.pred = pred;
    }
    const s = id.get(src)!, chain: LocalRoute[] = [];
    for (let cur = id.get(dst)!; cur !== s; ) {
      const p = z.pred[s * n + cur];
      if (p < 0) throw new Error(`simgrid: zone "${z.id}" has no route from "${src}" to "${dst}"`);
      chain.unshift(z.routes.get(`${z.points[p]}\t${z.points[cur]}`)!);
      cur = p;
    }
    const links: LinkUse[] = [];
    let prevGw: string | undefined;
    for (const r of chain) {
      if (prevGw !== undefined && r.gwSrc !== undefined && prevGw !== r.gwSrc) links.push(...this.global(prevGw, r.gwSrc));
      links.push(...r.links);
      prevGw = r.gwDst;
    }
    return { links, gwSrc: chain[0].gwSrc, gwDst: chain[chain.length - 1].gwDst };
  }

  private zone(el: XmlElement, parent?: Zone): Zone {
    const id = need(el, "id");
    const routing = need(el, "routing");
    if (routing !== "Full" && routing !== "Floyd" && routing !== "Dijkstra" && routing !== "DijkstraCache") throw new Error(`${el.path}: routing "${routing}" is not supported (Full, Floyd, Dijkstra, DijkstraCache, or <cluster>)`);
    const z: Zone = { id, routing: routing === "DijkstraCache" ? "Dijkstra" : routing, parent, routes: new Map(), points: [] };
    this.register(el, id, z, parent);
    for (const c of el.children) {
      switch (c.name) {
        case "host":
          this.host(c, z);
          break;
        case "router":
          this.place(c, need(c, "id"), z);
          break;
        case "link":
          this.link(c, need(c, "id"));
          break;
        case "zone":
          this.zone(c, z);
          break;
        case "cluster":
          this.cluster(c, z);
          break;
        case "route":
        case "zoneRoute":
          this.declare(c, z);
          break;
        case "prop":
          break;
        default:
          throw new Error(`${c.path}: <${c.name}> is not supported`);
      }
    }
    return z;
  }

  private cluster(el: XmlElement, parent?: Zone): Zone {
    const id = need(el, "id");
    for (const a of ["topology", "limiter_link", "loopback_bw", "loopback_lat", "availability_file", "state_file"]) {
      if (el.attrs[a] !== undefined && !(a === "topology" && el.attrs[a] === "FLAT")) throw new Error(`${el.path}: attribute ${a} is not supported`);
    }
    const prefix = el.attrs.prefix ?? "", suffix = el.attrs.suffix ?? "";
    const router = el.attrs.router_id ?? `${prefix}${id}_router${suffix}`;
    const z: Zone = { id, routing: "Cluster", parent, routes: new Map(), points: [], cluster: { router, privateLink: new Map() } };
    this.register(el, id, z, parent);
    const speed = units.speed(need(el, "speed"));
    const cores = el.attrs.core ? Number(el.attrs.core) : 1;
    const bw = units.bandwidth(need(el, "bw")), lat = units.time(need(el, "lat"));
    const sharing = policy(el, el.attrs.sharing_policy ?? "SPLITDUPLEX");
    for (const i of radical(el)) {
      const name = `${prefix}${i}${suffix}`;
      this.hosts.push({ id: name, speed, cores });
      this.place(el, name, z);
      const link = `${id}_link_${i}`;
      this.links.set(link, { id: link, bandwidth: bw, latency: lat, sharing });
      z.cluster!.privateLink.set(name, link);
    }
    if (el.attrs.bb_bw !== undefined) {
      const bb = `${id}_backbone`;
      this.links.set(bb, { id: bb, bandwidth: units.bandwidth(el.attrs.bb_bw), latency: units.time(el.attrs.bb_lat ?? "0"), sharing: policy(el, el.attrs.bb_sharing_policy ?? "SHARED") });
      z.cluster!.backbone = bb;
    }
    this.place(el, router, z);
    for (const c of el.children) if (c.name !== "prop") throw new Error(`${c.path}: <${c.name}> is not supported inside <cluster>`);
    return z;
  }

  private register(el: XmlElement, id: string, z: Zone, parent?: Zone): void {
    if (this.zones.has(id)) throw new Error(`${el.path}: duplicate zone "${id}"`);
    this.zones.set(id, z);
    if (parent) this.place(el, id, parent);
  }

  private place(el: XmlElement, name: string, z: Zone): void {
    if (this.home.has(name)) throw new Error(`${el.path}: duplicate name "${name}"`);
    this.home.set(name, z);
    z.points.push(name);
  }

  private host(el: XmlElement, z: Zone): void {
    const id = need(el, "id");
    for (const c of el.children) if (c.name !== "prop") throw new Error(`${c.path}: <${c.name}> is not supported inside <host>`);
    this.hosts.push({ id, speed: units.speed(need(el, "speed")), cores: el.attrs.core ? Number(el.attrs.core) : 1 });
    this.place(el, id, z);
  }

  private link(el: XmlElement, id: string): void {
    if (this.links.has(id)) throw new Error(`${el.path}: duplicate link "${id}"`);
    this.links.set(id, { id, bandwidth: units.bandwidth(need(el, "bandwidth")), latency: units.time(el.attrs.latency ?? "0"), sharing: policy(el, el.attrs.sharing_policy ?? "SHARED") });
  }

  private declare(el: XmlElement, z: Zone): void {
    const src = need(el, "src"), dst = need(el, "dst");
    const links: LinkUse[] = el.children.filter((c) => c.name !== "prop").map((c) => {
      if (c.name !== "link_ctn") throw new Error(`${c.path}: <${c.name}> is not supported inside <${el.name}>`);
      const link = need(c, "id");
      const l = this.links.get(link);
      if (!l) throw new Error(`${c.path}: no link "${link}" declared before it`);
      const d = c.attrs.direction ?? "NONE";
      if (l.sharing === "SPLITDUPLEX" ? d !== "UP" && d !== "DOWN" : d !== "NONE") throw new Error(`${c.path}: direction "${d}" does not fit a ${l.sharing} link`);
      return { link, direction: d as Direction };
    });
    const zoneRoute = el.name === "zoneRoute";
    for (const end of [src, dst]) if (this.home.get(end) !== z) throw new Error(`${el.path}: "${end}" is not a host, router or zone of zone "${z.id}"`);
    const r: LocalRoute = { links, gwSrc: zoneRoute ? need(el, "gw_src") : undefined, gwDst: zoneRoute ? need(el, "gw_dst") : undefined };
    z.routes.set(`${src}\t${dst}`, r);
    if ((el.attrs.symmetrical ?? "YES").toUpperCase() === "YES") {
      // The way back crosses the same links in reverse order, split-duplex ones the other way.
      const back = links.slice().reverse().map((u) => ({ link: u.link, direction: (u.direction === "UP" ? "DOWN" : u.direction === "DOWN" ? "UP" : "NONE") as Direction }));
      z.routes.set(`${dst}\t${src}`, { links: back, gwSrc: r.gwDst, gwDst: r.gwSrc });
    }
  }
}

function need(el: XmlElement, attr: string): string {
  const v = el.attrs[attr];
  if (v === undefined) throw new Error(`${el.path}: attribute ${attr} is required`);
  return v;
}

function policy(el: XmlElement, p: string): Sharing {
  if (p === "SHARED" || p === "SPLITDUPLEX" || p === "FATPIPE") return p;
  throw new Error(`${el.path}: sharing policy "${p}" is not supported (SHARED, SPLITDUPLEX, FATPIPE)`);
}

/** "0-3,5,7-9" -> 0, 1, 2, 3, 5, 7, 8, 9. */
function radical(el: XmlElement): number[] {
  const out: number[] = [];
  for (const part of need(el, "radical").split(",")) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(part);
    if (!m) throw new Error(`${el.path}: radical "${el.attrs.radical}" is not a list of numbers and ranges`);
    const a = Number(m[1]), b = m[2] === undefined ? a : Number(m[2]);
    for (let i = a; i <= b; i++) out.push(i);
  }
  return out;
}
