export { Wren, type WrenParams, type PathEstimate } from "./wren.js";
export { wrenSchema, type WrenSpec } from "./schema.js";
