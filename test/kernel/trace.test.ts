import test from "ava";
import fc from "fast-check";
import { TraceRecorder } from "../../sim/kernel/index.js";

test("a trace table gives back every row appended, in order, across its growth steps", (t) => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: -1e6, max: 1e6 }), fc.double({ noNaN: true }), fc.string()), { maxLength: 1100 }), (rows) => {
      const table = new TraceRecorder().table("t", { i: "i32", x: "f64", s: "str" });
      for (const r of rows) table.row(...r);
      const out = table.rows();
      return (
        table.length === rows.length &&
        out.length === rows.length + 1 &&
        out[0].join() === "i,x,s" &&
        rows.every((r, k) => Object.is(out[k + 1][0], r[0]) && Object.is(out[k + 1][1], r[1]) && out[k + 1][2] === r[2]) &&
        table.column("x").length === rows.length
      );
    }),
    { numRuns: 40 },
  );
  t.pass();
});

test("the recorder returns the same table for the same name, and lists tables in creation order", (t) => {
  const rec = new TraceRecorder();
  const a = rec.table("a", { v: "f64" });
  rec.table("b", { v: "f64" });
  t.is(rec.table("a", { v: "f64" }), a);
  t.deepEqual(rec.all().map((x) => x.name), ["a", "b"]);
  t.throws(() => a.row(1, 2), { message: /2 values, table has 1 columns/ });
});
