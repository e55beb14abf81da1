// Uses the TypeScript types generated from openapi/approval.json and openapi/assessment.json
// (scripts/ts-client.sh): a webhook subscription create call and feed events of two kinds.
// `tsc --noEmit --strict` must accept it; a renamed field or kind makes it fail.
import type { components, paths } from "./generated/approval";
import type { components as assessment } from "./generated/assessment";

type WebhookInput = components["schemas"]["WebhookInput"];
type Created =
  paths["/v1/webhooks"]["post"]["responses"]["201"]["content"]["application/json"];
type FeedEvent = components["schemas"]["EventView"];
type Delivery = components["schemas"]["WebhookDelivery"];

export const subscription: WebhookInput = {
  url: "https://zwfw.example.gov.cn/hooks/approval",
  event_kinds: ["case_accepted", "branch_approved"],
  department_id: 3,
  active: true,
};

export async function subscribe(base: string, token: string): Promise<string> {
  const r = await fetch(`${base}/v1/webhooks`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(subscription),
  });
  const created = (await r.json()) as Created;
  const id: number = created.id;
  const status: "ok" | "retrying" | "dead" = created.status;
  const cursor: number = created.cursor;
  return `${id} ${status} ${cursor} ${created.secret}`;
}

/** What a receiver does with a delivered body (the event as the feed shows it). */
export function describe(e: FeedEvent): string {
  switch (e.kind) {
    case "case_accepted": {
      const t: string = e.payload.type;
      const no: string = e.payload.case_no;
      return `case ${no} (${e.case_id}) accepted at ${e.at} (${t})`;
    }
    case "branch_approved": {
      const branch: number | null | undefined = e.branch_id;
      const opinion: string = e.payload.opinion;
      return `branch ${branch} of case ${e.case_id} approved (${opinion}), seq ${e.seq}`;
    }
    default:
      return e.kind;
  }
}

export function lastError(log: Delivery[]): string | null | undefined {
  const failed = log.filter((d) => d.error != null);
  return failed.length ? `${failed[0].message_id}: ${failed[0].error}` : null;
}

export function lag(s: assessment["schemas"]["FeedStatus"]): number {
  return s.head - s.cursor;
}
