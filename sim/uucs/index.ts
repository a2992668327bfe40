// UUCS, understanding user comfort with resource borrowing: testcases and the simulated study.
export { testcaseSchema, testcaseBodySchema, parseTestcase, loadTestcase, levelAt, testcaseProblems, type Testcase } from "./testcase.js";
export { uucsPolicySchema, type UucsPolicy } from "./schema.js";
export { UucsSession, type Borrower, type BorrowNow, type BorrowRow, type BorrowState } from "./session.js";
