export { VSched, type VSchedParams, type PeriodRecord } from "./vsched.js";
export { admit, type AdmissionLimits } from "./admission.js";
export { vschedSchema, reservationSchema, type VSchedSpec } from "./schema.js";
