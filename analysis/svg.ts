/** A tiny SVG writer: d3 computes the geometry, this turns it into text without a DOM. */
export type Attrs = Record<string, string | number | undefined>;

export function el(tag: string, attrs: Attrs, children: string | string[] = ""): string {
  const a = Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${escape(typeof v === "number" ? round(v) : String(v))}"`)
    .join("");
  const body = Array.isArray(children) ? children.join("") : children;
  return body === "" ? `<${tag}${a}/>` : `<${tag}${a}>${body}</${tag}>`;
}

export function text(x: number, y: number, s: string, attrs: Attrs = {}): string {
  return el("text", { x, y, ...attrs }, escape(s));
}

export function escape(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}

/** Fixed precision keeps files small and byte-stable. */
export function round(v: number): string {
  return String(Math.round(v * 100) / 100);
}

export function svgDocument(width: number, height: number, body: string[]): string {
  return (
    el(
      "svg",
      { xmlns: "http://www.w3.org/2000/svg", width, height, viewBox: `0 0 ${width} ${height}`, "font-family": "Helvetica, Arial, sans-serif", "font-size": 11 },
      [el("rect", { width, height, fill: "white" }), ...body],
    ) + "\n"
  );
}
