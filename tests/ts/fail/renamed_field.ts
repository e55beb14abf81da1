// Must NOT type-check: `urls` is not a field of WebhookInput (a renamed field).
import type { components } from "./generated/approval";

export const subscription: components["schemas"]["WebhookInput"] = {
  urls: "https://zwfw.example.gov.cn/hooks/approval",
};
