// Live runs across hosts: the cluster file and its credentials, the controller, and the namespace testbed.
export { loadCluster, CONTROLLER_CN, hostCn, type Cluster, type ClusterFile, type ClusterHost } from "./file.js";
export { clusterInit, parseHostArg, type InitHost } from "./init.js";
export { clusterProblems, runLiveCluster, type ClusterRunOptions } from "./controller.js";
export { buildTestbed, testbedProblems, type Testbed, type TestbedHost } from "./testbed.js";
export { serveTestbed } from "./serve.js";
