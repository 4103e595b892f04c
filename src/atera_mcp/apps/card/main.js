"use strict";
// The card as get_ticket's app: one ticket, from the tool result the host sends.
host.start("atera-mcp ticket card", {
  result(result) {
    const root = document.getElementById("app");
    if (result.isError || !result.structuredContent) {
      put(root, el("div", { class: "notice error" }, resultText(result) || "No ticket to show."));
    } else {
      card.show(root, result.structuredContent);
    }
  },
});
