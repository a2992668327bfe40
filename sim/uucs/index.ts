// UUCS, understanding user comfort with resource borrowing: testcases and the simulated study.
export { testcaseSchema, parseTestcase, loadTestcase, levelAt, type Testcase } from "./testcase.js";
