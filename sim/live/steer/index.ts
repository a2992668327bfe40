// Steering a live run: simulated people and replayed or console actions, through the live ports.
export { seatLive, type LiveSteering, type LiveVm, type SteerEntry } from "./seat.js";
