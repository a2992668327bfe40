/** Burns `ops` loop iterations of CPU: the work of the live workload programs. */
export function spin(ops: number): void {
  let x = 0;
  for (let i = 0; i < ops; i++) x += i & 1;
  // Keeps the loop from being optimised away.
  if (x < 0) process.stdout.write("");
}
