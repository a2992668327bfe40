/** Reads an XML document into a tree of elements with their attributes (saxes does the parsing). */
import { SaxesParser } from "saxes";

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Where it is, for messages: platform/zone[world]/link[wan]. */
  path: string;
}

export function parseXml(text: string): XmlElement {
  const parser = new SaxesParser();
  const root: XmlElement = { name: "", attrs: {}, children: [], path: "" };
  const stack: XmlElement[] = [root];
  parser.on("opentag", (tag) => {
    const parent = stack[stack.length - 1];
    const attrs = tag.attributes as Record<string, string>;
    const label = attrs.id ?? (attrs.src !== undefined ? `${attrs.src}->${attrs.dst ?? ""}` : String(parent.children.filter((c) => c.name === tag.name).length));
    const el: XmlElement = { name: tag.name, attrs, children: [], path: `${parent.path ? parent.path + "/" : ""}${tag.name}[${label}]` };
    parent.children.push(el);
    stack.push(el);
  });
  parser.on("closetag", () => void stack.pop());
  parser.write(text).close();
  if (root.children.length !== 1) throw new Error("simgrid: expected one root element");
  return root.children[0];
}
