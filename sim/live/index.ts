export { monotonicSeconds, peakRssMb } from "./wall.js";
