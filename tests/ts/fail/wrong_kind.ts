// Must NOT type-check: the payload of a `case_accepted` event is typed `case_accepted`, not
// `branch_approved`, and there is no kind `case_exploded`.
import type { components } from "./generated/approval";

type FeedEvent = components["schemas"]["EventView"];

export function f(e: FeedEvent): string {
  if (e.kind === "case_accepted") {
    const t: "branch_approved" = e.payload.type;
    return t;
  }
  if (e.kind === "case_exploded") {
    return "never";
  }
  return e.kind;
}
