// The seam between policies and the world they run in: the simulator and live mode
// each implement these; policies see nothing else.
export type { Clock, TimerId } from "./clock.js";
