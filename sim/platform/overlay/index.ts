export { Vnet, Daemon, type Message } from "./vnet.js";
export { overlaySchema, type OverlaySpec } from "./schema.js";
