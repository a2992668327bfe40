export { SimgridPlatform, type SgHost, type SgLink, type LinkUse } from "./platform.js";
export { installSimgrid, type RouteProvider } from "./install.js";
export * as simgridUnits from "./units.js";
export { simgridProblems } from "./check.js";
