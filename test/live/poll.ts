/** Waiting on a condition instead of sleeping a fixed time: a busy machine only makes it slower. */
export async function poll<T>(what: string, check: () => T | undefined | false, timeoutS = 30, everyMs = 20): Promise<T> {
  const until = Date.now() + timeoutS * 1000;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutS} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
