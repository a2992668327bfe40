export { Vm, ComputeJob } from "./vm.js";
