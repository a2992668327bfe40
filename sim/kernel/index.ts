export { EventQueue, MAX_PRIORITY, MIN_PRIORITY, type Callback, type Handle } from "./queue.js";
export { Rng, RandomStreams, type Algorithm } from "./rng.js";
export { SimEvent, Timeout, Condition, Interrupt, URGENT, NORMAL, type EventCallback } from "./events.js";
export { Process, type ProcessGenerator } from "./process.js";
export { Simulation, type RunOptions } from "./simulation.js";
export { Resource } from "./resource.js";
export { mix32 } from "./hash.js";
export { TraceRecorder, TraceTable, type Columns, type ColumnType } from "./trace.js";
export { Timeline, DispatchTap, timelineGroups, type Dispatcher, type TimelineEvent, type TimelineArgs } from "./timeline.js";
