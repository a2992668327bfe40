/**
 * A simulated person at an interactive VM with the button: they judge the mean of their last
 * `window` response times against their comfort threshold, and press (after a reaction
 * delay) when it is too slow. After a press they judge afresh, and do not press again within
 * `refractory` seconds (they wait to see whether it helped).
 */
import type { Clock, ResponseTap } from "../ports/index.js";

export interface PerceptionParams {
  /** Response time past which this person is uncomfortable, seconds. */
  threshold: number;
  /** Responses averaged for one judgement. */
  window: number;
  /** Seconds from judging "too slow" to the press. */
  reaction: number;
  /** Least seconds between two presses. */
  refractory: number;
}

export class ButtonUser {
  readonly presses: number[] = [];
  responses = 0;
  comfortable = 0;
  private recent: number[] = [];
  private pending = false;
  private last = -Infinity;

  constructor(private readonly clock: Clock, tap: ResponseTap, app: string, button: { press(): void }, readonly p: PerceptionParams) {
    tap.observe(app, (r) => {
      this.responses++;
      if (r <= p.threshold) this.comfortable++;
      this.recent.push(r);
      if (this.recent.length > p.window) this.recent.shift();
      if (this.pending || this.recent.length < p.window || clock.now - this.last < p.refractory) return;
      if (this.recent.reduce((a, b) => a + b, 0) / this.recent.length <= p.threshold) return;
      this.pending = true;
      clock.after(p.reaction, () => {
        this.pending = false;
        this.last = clock.now;
        this.recent = [];
        this.presses.push(clock.now);
        button.press();
      });
    });
  }
}
