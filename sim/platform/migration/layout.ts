/**
 * Where a guest's nonzero memory lies, in the order QEMU's first pass meets it: the count of
 * nonzero pages in each 1 MiB chunk of guest RAM, from address 0 up.
 *
 * Why it matters: when QEMU stops right after its first pass, what is left is the nonzero
 * memory the pass had not reached at the stopping check. Under a binding rate limit every
 * window sends the same bytes, so where the checks fall is set by how nonzero memory lies
 * between the zero stretches, not by chance. `measure` records it per migration (QMP
 * `pmemsave` from the paused source once the migration is over); `calibrate` then predicts
 * each case on its own guest's layout instead of the parametric one (`touchedTail`).
 *
 * Written as run-length text, `count*chunks` tokens separated by spaces ("256*90 0*163 12"),
 * so it sits in one CSV cell.
 */

export const LAYOUT_CHUNK = 1 << 20;
/** A layout counts 4 KiB pages (x86's), whatever page size a model is given. */
export const LAYOUT_PAGE = 4096;
const PER_CHUNK = LAYOUT_CHUNK / LAYOUT_PAGE;
/** The longest layout read (64 GiB): a bound on a malformed cell's cost, far past the 3 GiB `measure` takes. */
const MAX_CHUNKS = 1 << 16;

/** Nonzero pages per chunk, address order. */
export type MemoryLayout = number[];

export function encodeLayout(layout: MemoryLayout): string {
  const out: string[] = [];
  for (let i = 0; i < layout.length; ) {
    let j = i;
    while (j < layout.length && layout[j] === layout[i]) j++;
    out.push(j - i === 1 ? String(layout[i]) : `${layout[i]}*${j - i}`);
    i = j;
  }
  return out.join(" ");
}

/** The layout, or a reason it is not one. */
export function parseLayout(text: string): MemoryLayout | string {
  const max = PER_CHUNK;
  const layout: MemoryLayout = [];
  for (const token of text.trim().split(/\s+/)) {
    const m = token.match(/^(\d+)(?:\*(\d+))?$/);
    if (!m) return `"${token}" is not COUNT or COUNT*CHUNKS`;
    const count = Number(m[1]), chunks = m[2] === undefined ? 1 : Number(m[2]);
    if (count > max) return `${count} nonzero pages in a ${LAYOUT_CHUNK >> 20} MiB chunk (at most ${max})`;
    if (chunks < 1 || chunks > 1 << 24) return `"${token}": a run of ${chunks} chunks`;
    if (layout.length + chunks > MAX_CHUNKS) return `more than ${MAX_CHUNKS} chunks (${MAX_CHUNKS >> 10} GiB)`;
    for (let i = 0; i < chunks; i++) layout.push(count);
  }
  return layout;
}

/** Zero and nonzero page counts of a layout's stretches, adjacent chunks of the same kind merged. */
export function layoutStretches(layout: MemoryLayout): { zero: number; fresh: number }[] {
  const out: { zero: number; fresh: number }[] = [];
  // A chunk joins the stretch before it when both are empty or both are full; mixed chunks
  // stay apart, so a sparse chunk between zero stretches keeps its place.
  const kind = (s: { zero: number; fresh: number }) => (s.fresh === 0 ? "zero" : s.zero === 0 ? "full" : "mixed");
  for (const n of layout) {
    const last = out[out.length - 1];
    const chunk = { zero: PER_CHUNK - n, fresh: n };
    if (last && kind(last) === kind(chunk) && kind(chunk) !== "mixed") {
      last.zero += chunk.zero;
      last.fresh += chunk.fresh;
    } else out.push(chunk);
  }
  return out;
}
