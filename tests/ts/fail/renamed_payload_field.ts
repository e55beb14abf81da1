// Must NOT type-check: `case_number` is not a field of the `case_accepted` payload (it is
// `case_no`): a renamed payload field.
import type { components } from "./generated/approval";

export function caseNo(p: components["schemas"]["CaseAcceptedPayload"]): string {
  return p.case_number;
}
