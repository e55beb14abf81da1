// Must NOT type-check: a subscription to a kind the feed does not emit.
import type { components } from "./generated/approval";

export const subscription: components["schemas"]["WebhookInput"] = {
  url: "https://zwfw.example.gov.cn/hooks/approval",
  event_kinds: ["case_exploded"],
};
