/**
 * The console's page: plain script and d3 (served from node_modules), no framework. It draws
 * each host's VMs as bars of their CPU share with the reservation marked, a log of steering
 * actions with admission's verdicts, and the controls; all state arrives over /events.
 */
export function page(name: string, token: string): string {
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(name)}: virtuoso console</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 1.2em; color: #222; }
h1 { font-size: 18px; margin: 0 0 .4em; }
#status { margin-bottom: .8em; }
.host { margin: .6em 0 1em; }
.host h2 { font-size: 15px; margin: .2em 0; }
.controls { display: flex; gap: 1.2em; flex-wrap: wrap; align-items: end; margin: .8em 0; padding: .6em; background: #f4f4f4; }
.controls label { display: block; font-size: 12px; color: #555; }
input { width: 6em; }
#decisions { font-family: ui-monospace, monospace; font-size: 12px; padding-left: 0; list-style: none; }
#log { font-family: ui-monospace, monospace; font-size: 12px; max-height: 16em; overflow: auto; padding-left: 0; list-style: none; }
#log .refused { color: #b00020; }
#log .admitted { color: #1b6e20; }
#log .pending { color: #777; }
#uucs-state { margin: .4em 0; font-weight: 600; } #uucs-state.running { color: #b35c00; }
#verdict.refused { color: #b00020; } #verdict.admitted { color: #1b6e20; }
</style></head><body>
<h1>${esc(name)}</h1>
<div id="status"><span id="time">0</span> s of <span id="duration"></span> s <span id="clock">simulated</span> · <span id="runstate"></span></div>
<div class="controls">
  <div id="pacing"><button id="pause">pause</button> <button id="resume">resume</button> <button id="step">step</button></div>
  <div><label for="reserve-vm">VM</label><select id="reserve-vm"></select></div>
  <div><label for="reserve-period">period (ms)</label><input id="reserve-period" type="number" min="0" step="any" value="50"></div>
  <div><label for="reserve-slice">slice (ms)</label><input id="reserve-slice" type="number" min="0" step="any" value="10"></div>
  <div><button id="reserve-go">reserve</button></div>
  <div id="buttons"></div>
  <div><button id="adapt" style="display:none">ask VADAPT to adapt now</button></div>
  <div><label for="uucs-testcase">UUCS testcase (name, or a .json file)</label><input id="uucs-testcase" list="uucs-names" style="width:14em"><datalist id="uucs-names"></datalist></div>
  <div><button id="uucs-start">start testcase</button> <button id="uucs-stop">stop testcase</button></div>
  <div id="verdict"></div>
</div>
<div id="uucs-state">UUCS: no testcase started</div>
<div id="hosts"></div>
<h2 style="font-size:15px">Steering</h2>
<ol id="log"></ol>
<div id="graphs" style="display:none">
<h2 style="font-size:15px">Overlay (VNET daemons and links) · <span id="topology-title">inferred topology (VTTIF): none yet</span></h2>
<svg id="overlay" width="340" height="240"></svg> <svg id="topology" width="340" height="240"></svg>
</div>
<h2 style="font-size:15px">Adaptation decisions (VADAPT)</h2>
<ol id="decisions"><li>none yet</li></ol>
<script src="/d3.js?token=${token}"></script>
<script>
"use strict";
const token = ${JSON.stringify(token)};
let latest = null;
async function act(body) {
  const r = await fetch("/action?token=" + token, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const j = await r.json();
  if (!r.ok) show("refused", (j.problems || []).join("; "));
  return j;
}
function show(cls, text) {
  const v = document.getElementById("verdict");
  v.className = cls;
  v.textContent = text;
}
document.getElementById("pause").onclick = () => act({ kind: "pause" });
document.getElementById("resume").onclick = () => act({ kind: "resume" });
document.getElementById("step").onclick = () => act({ kind: "step" });
document.getElementById("adapt").onclick = () => act({ kind: "adapt" });
document.getElementById("reserve-go").onclick = () => {
  const vm = document.getElementById("reserve-vm").value;
  const period = Number(document.getElementById("reserve-period").value) / 1000;
  const slice = Number(document.getElementById("reserve-slice").value) / 1000;
  show("", "asked for " + vm + ", waiting for admission ...");
  act({ kind: "reserve", vm, period, slice });
};
document.getElementById("uucs-start").onclick = () => {
  const testcase = document.getElementById("uucs-testcase").value.trim();
  if (!testcase) return show("refused", "name a testcase first");
  show("", "asked to start " + testcase + " ...");
  act({ kind: "uucs-start", testcase });
};
document.getElementById("uucs-stop").onclick = () => act({ kind: "uucs-stop" });
/** A borrowing level in its resource's unit. */
function level(c, x) {
  if (c.resource === "cpu") return (x * 100).toFixed(1) + "% of a core" + (c.threads > 1 ? " x " + c.threads + " threads" : "");
  if (c.resource === "memory") return (x / 1048576).toFixed(1) + " MiB";
  return (x / 1e6).toFixed(2) + " MB/s";
}
function uucs(u) {
  if (!u) return;
  const names = d3.select("#uucs-names").selectAll("option").data(u.testcases, (d) => d);
  names.enter().append("option").attr("value", (d) => d);
  const c = u.current, el = d3.select("#uucs-state");
  if (!c) return el.text("UUCS: no testcase started" + (u.testcases.length ? " (" + u.testcases.join(", ") + ")" : ""));
  el.attr("class", c.state).attr("data-state", c.state).attr("data-level", c.level)
    .text("UUCS: " + c.testcase + " (" + c.resource + ", " + c.profile + "): " + c.state +
      (c.state === "running" ? " since t=" + c.since.toFixed(2) + " s, level " + level(c, c.level) : " at t=" + c.until.toFixed(2) + " s, last level " + level(c, c.last)));
}
const width = 720, rowH = 22, left = 90;
const x = d3.scaleLinear().domain([0, 1]).range([left, width - 200]);
function draw(s) {
  latest = s;
  d3.select("#time").text(s.t.toFixed(2));
  d3.select("#duration").text(s.duration);
  // A live run keeps wall time: nothing to pause; its shares are measured from the processes.
  if (s.live) {
    d3.select("#clock").text("wall time, live (" + s.live + " backend; " + (s.vms === "qemu" ? "QEMU VMs, shares of their vCPU threads" : "shares of the processes") + " over the last 0.5 s)");
    d3.select("#pacing").style("display", "none");
  }
  d3.select("#runstate").text(s.done ? "ended; output in " + s.out : s.paused ? "paused" : "running");
  const vms = s.hosts.flatMap((h) => h.vms.map((v) => v.id));
  const sel = d3.select("#reserve-vm").selectAll("option").data(vms, (d) => d);
  sel.enter().append("option").attr("value", (d) => d).text((d) => d);
  d3.select("#buttons").selectAll("button").data(s.buttons, (d) => d).enter().append("button")
    .attr("id", (d) => "press-" + d).text((d) => "press " + d + "'s button")
    .on("click", (_, d) => act({ kind: "press", user: d }));
  const hosts = d3.select("#hosts").selectAll("div.host").data(s.hosts, (d) => d.id);
  const he = hosts.enter().append("div").attr("class", "host");
  he.append("h2");
  he.append("svg").attr("width", width);
  const all = he.merge(hosts);
  all.select("h2").text((h) => h.id + " (" + h.scheduler + ")");
  all.select("svg").attr("height", (h) => h.vms.length * rowH + 24).each(function (h) {
    const svg = d3.select(this);
    if (svg.select("g.axis").empty()) svg.append("g").attr("class", "axis");
    svg.select("g.axis").attr("transform", "translate(0," + (h.vms.length * rowH + 2) + ")").call(d3.axisBottom(x).ticks(5).tickFormat(d3.format(".0%")));
    const rows = svg.selectAll("g.vm").data(h.vms, (v) => v.id);
    rows.exit().remove(); // a VM that migrated away
    const re = rows.enter().append("g").attr("class", "vm").attr("id", (v) => "vm-" + v.id);
    re.append("text").attr("class", "name").attr("x", 0).attr("y", 15);
    re.append("rect").attr("class", "bar").attr("x", left).attr("y", 3).attr("height", rowH - 8).attr("fill", "#4e79a7");
    re.append("line").attr("class", "res").attr("y1", 0).attr("y2", rowH - 2).attr("stroke", "#e15759").attr("stroke-width", 2);
    re.append("text").attr("class", "share").attr("y", 15);
    const m = re.merge(rows).attr("transform", (v, i) => "translate(0," + i * rowH + ")");
    m.select("text.name").text((v) => v.id);
    m.select("rect.bar").attr("width", (v) => Math.max(0, x(Math.min(1, v.share)) - left));
    m.select("line.res").attr("x1", (v) => x(v.reservation ? v.reservation.slice / v.reservation.period : 0)).attr("x2", (v) => x(v.reservation ? v.reservation.slice / v.reservation.period : 0)).attr("visibility", (v) => (v.reservation ? "visible" : "hidden"));
    m.select("text.share").attr("x", width - 190).text((v) => (v.share * 100).toFixed(1) + "%" + (v.reservation ? " (res " + ((v.reservation.slice / v.reservation.period) * 100).toFixed(0) + "%)" : ""));
  });
  const items = d3.select("#log").selectAll("li").data(s.log);
  items.enter().append("li").merge(items)
    .attr("class", (e) => e.state)
    .text((e) => "t=" + e.at.toFixed(2) + " s  " + e.kind + " " + e.target + " " + e.detail + ": " + (e.state === "refused" ? "refused: " + e.reason : e.state));
  if (s.decisions.length) {
    const ds = d3.select("#decisions").selectAll("li").data(s.decisions);
    ds.enter().append("li").merge(ds).text((d) => "t=" + d.t.toFixed(1) + " s  " + d.algorithm + ": " + (d.applied ? "applied, " + d.migrations + " migrations, " + d.routes + " routes" : "not applied") + (d.reason ? " (" + d.reason + ")" : ""));
    ds.exit().remove();
  }
  d3.select("#adapt").style("display", s.adapt ? null : "none");
  if (s.overlay || s.topology) {
    d3.select("#graphs").style("display", null);
    if (s.overlay) graph("#overlay", s.overlay.hosts, s.overlay.links.map((l) => ({ a: l.a, b: l.b, w: 1 })), s.overlay.proxy);
    if (s.topology) {
      d3.select("#topology-title").text("inferred topology (VTTIF, t=" + s.topology.t.toFixed(1) + " s): " + s.topology.topology + ", confidence " + s.topology.confidence.toFixed(2));
      graph("#topology", s.topology.vms, s.topology.edges, null);
    }
  }
  uucs(s.uucs);
  const last = s.log[s.log.length - 1];
  if (last && /^uucs/.test(last.kind)) show(last.state, last.state === "refused" ? "UUCS " + last.target + " refused: " + last.reason : last.state === "admitted" ? (last.kind === "uucs-start" ? "started " : "stopped ") + last.target : "waiting for the next step ...");
  if (last && last.kind === "reserve") show(last.state, last.state === "refused" ? "admission refused " + last.target + ": " + last.reason : last.state === "admitted" ? "admitted " + last.target + " " + last.detail : "waiting for admission ...");
}
/** Nodes on a circle, edges as lines as thick as their weight (0..1). */
function graph(sel, nodes, edges, marked) {
  const svg = d3.select(sel), w = +svg.attr("width"), h = +svg.attr("height"), r = Math.min(w, h) / 2 - 30;
  const at = new Map(nodes.map((n, i) => [n, [w / 2 + r * Math.cos((2 * Math.PI * i) / nodes.length - Math.PI / 2), h / 2 + r * Math.sin((2 * Math.PI * i) / nodes.length - Math.PI / 2)]]));
  const ok = edges.filter((e) => at.has(e.a) && at.has(e.b));
  const ls = svg.selectAll("line").data(ok);
  ls.enter().append("line").attr("stroke", "#4e79a7").merge(ls)
    .attr("x1", (e) => at.get(e.a)[0]).attr("y1", (e) => at.get(e.a)[1]).attr("x2", (e) => at.get(e.b)[0]).attr("y2", (e) => at.get(e.b)[1])
    .attr("stroke-width", (e) => 1 + 3 * e.w);
  ls.exit().remove();
  const gs = svg.selectAll("g.node").data(nodes, (d) => d);
  const ge = gs.enter().append("g").attr("class", "node");
  ge.append("circle").attr("r", 5);
  ge.append("text").attr("font-size", 11).attr("dy", -8).attr("text-anchor", "middle");
  ge.merge(gs).attr("transform", (n) => "translate(" + at.get(n)[0] + "," + at.get(n)[1] + ")")
    .call((g) => g.select("circle").attr("fill", (n) => (n === marked ? "#e15759" : "#222")))
    .call((g) => g.select("text").text((n) => n + (n === marked ? " (Proxy)" : "")));
  gs.exit().remove();
}
const es = new EventSource("/events?token=" + token);
es.onmessage = (m) => draw(JSON.parse(m.data));
</script></body></html>
`;
}
