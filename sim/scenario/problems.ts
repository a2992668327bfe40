/** Bad input, as one `path.to.field: what is wrong` line per problem. */
import type { z } from "zod";

export class ScenarioError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "ScenarioError";
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  // Keys come from the input: cut long ones short rather than echo them.
  return path.length === 0 ? "(scenario)" : path.map((k) => (String(k).length > 60 ? `${String(k).slice(0, 57)}...` : String(k))).join(".");
}

export function zodProblems(error: z.ZodError): string[] {
  const out: string[] = [];
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) out.push(`${formatPath([...issue.path, key])}: unknown field`);
    } else if (issue.code === "invalid_type" && / received undefined$/.test(issue.message)) {
      out.push(`${formatPath(issue.path)}: required field is missing`);
    } else if (issue.path.length === 3 && issue.path[0] === "workloads" && issue.path[2] === "kind" && issue.code === "invalid_union") {
      // A kind from an extension module is known only once the module is loaded.
      out.push(`${formatPath(issue.path)}: ${issue.message} (a kind an extension registers needs \`virtuoso --load MODULE\`)`);
    } else {
      out.push(`${formatPath(issue.path)}: ${issue.message}`);
    }
  }
  return out;
}
