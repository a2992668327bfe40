export { VSched, type VSchedParams, type BudgetRule } from "./vsched.js";
export type { PeriodRecord, ServerStats } from "./server.js";
export { admit, cost, malformed, type AdmissionLimits } from "./admission.js";
export { vschedSchema, reservationSchema, type VSchedSpec } from "./schema.js";
