/**
 * GuestClock: relating a guest's clock to its host's from lines the guest stamps just before
 * printing, each arriving some non-negative time later. Checked against clocks made up here
 * (offset, rate, delays drawn at random): the estimate is never below the true offset at the
 * newest sample by more than the drift over the window, and is within the least recent delay
 * of it.
 */
import test from "ava";
import fc from "fast-check";
import { CLOCK_WINDOW_S, GuestClock } from "../../sim/live/vm/index.js";

test("no sample, no offset", (t) => {
  t.is(new GuestClock().offset, undefined);
});

test("the least delay over the last seconds: a clock that jumps (a migrated guest's) is followed once the old samples leave the window", (t) => {
  const c = new GuestClock();
  // Host = guest + 1000, delays 3 ms then one of 1 ms.
  for (let i = 0; i < 10; i++) c.sample(i * 0.1, 1000 + i * 0.1 + (i === 4 ? 0.001 : 0.003));
  t.is(c.offset!.toFixed(6), (1000.001).toFixed(6));
  // The guest's clock stood still for 0.2 s: the offset grows by 0.2 s.
  for (let i = 10; i < 100; i++) c.sample(i * 0.1, 1000.2 + i * 0.1 + 0.002);
  t.is(c.offset!.toFixed(6), (1000.202).toFixed(6));
});

test("property: within [true offset, true offset + least delay in the window], allowing the drift of a slightly fast or slow guest clock", (t) => {
  fc.assert(
    fc.property(
      fc.double({ min: -1e9, max: 2e9, noNaN: true }),
      fc.double({ min: -1e-3, max: 1e-3, noNaN: true }),
      fc.array(fc.tuple(fc.double({ min: 0.001, max: 0.5, noNaN: true }), fc.double({ min: 0, max: 0.05, noNaN: true })), { minLength: 1, maxLength: 200 }),
      (offset, drift, steps) => {
        const c = new GuestClock();
        let host = 1.7e9;
        const recent: { host: number; delay: number }[] = [];
        for (const [gap, delay] of steps) {
          host += gap;
          // The guest stamps at host time `host`; its clock runs at 1 + drift from the start.
          const guest = (host - 1.7e9) * (1 + drift) + 1.7e9 - offset;
          c.sample(guest, host + delay);
          recent.push({ host: host + delay, delay });
        }
        const now = host;
        const truth = now - ((now - 1.7e9) * (1 + drift) + 1.7e9 - offset);
        // Arrivals need not come in order: the newest whole second seen sets the window.
        const newest = Math.max(...recent.map((r) => Math.floor(r.host)));
        const inWindow = recent.filter((r) => Math.floor(r.host) > newest - CLOCK_WINDOW_S);
        const least = Math.min(...inWindow.map((r) => r.delay));
        // The drift over the window and a second's rounding of it, and double rounding at 2e9.
        const slack = Math.abs(drift) * (CLOCK_WINDOW_S + 1) + 1e-6;
        return c.offset! >= truth - slack && c.offset! <= truth + least + slack;
      },
    ),
  );
  t.pass();
});
