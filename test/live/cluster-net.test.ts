/**
 * RemoteNet.moved: after a migration the overlay follows the VM. Checked against the agents'
 * requests it makes (recorded by stand-in agents), for each kind of rule a move touches.
 */
import test from "ava";
import { RemoteNet } from "../../sim/live/cluster/controller.js";
import type { AgentClient } from "../../sim/live/agent/client.js";
import type { Scenario } from "../../sim/scenario/index.js";

function net(hosts: string[]) {
  const calls: string[] = [];
  const agents = new Map(hosts.map((h) => [h, { call: (op: string, a: Record<string, unknown>) => (calls.push(`${h} ${op} ${JSON.stringify(a)}`), Promise.resolve({})) } as unknown as AgentClient]));
  const n = new RemoteNet(agents, () => undefined, {} as Scenario);
  return { n, calls };
}

test("a moved VM's own rules go with it where its new host links to their next hop, and are dropped where that hop is its new host", (t) => {
  const { n, calls } = net(["a", "b", "c"]);
  for (const [x, y] of [["a", "b"], ["b", "c"], ["a", "c"]]) n.addOverlayLink(x, y);
  n.setRule("a", "r0", "r2", "c");
  n.setRule("a", "r0", "r1", "b");
  calls.length = 0;
  n.moved("r0", "a", "b");
  // r0 -> r2 now enters the overlay at b, which has a link to c; r0 -> r1 ends at b (the rule would point at b itself).
  t.deepEqual(calls, ['b rule.set {"src":"r0","dst":"r2","next":"c"}']);
  calls.length = 0;
  // The moved rule is in force at b now: a second move takes it on again.
  n.moved("r0", "b", "c");
  t.deepEqual(calls, []);
});

test("rules elsewhere that sent a moved VM's frames to its old host send them to its new one where linked, else leave them to the star", (t) => {
  const { n, calls } = net(["a", "b", "c", "d"]);
  for (const [x, y] of [["a", "b"], ["c", "a"], ["c", "b"], ["d", "a"]]) n.addOverlayLink(x, y);
  n.setRule("c", "r2", "r0", "a");
  n.setRule("d", "r3", "r0", "a");
  n.setRule("b", "r1", "r0", "a");
  n.setRule("c", "r2", "r1", "b");
  calls.length = 0;
  n.moved("r0", "a", "b");
  t.deepEqual(calls.sort(), [
    // b is r0's host now: its rule toward a goes (the bridge delivers locally).
    'b rule.set {"src":"r1","dst":"r0","next":null}',
    // c links to b: its frames for r0 go there.
    'c rule.set {"src":"r2","dst":"r0","next":"b"}',
    // d has no link to b: the star delivers them.
    'd rule.set {"src":"r3","dst":"r0","next":null}',
  ]);
});
