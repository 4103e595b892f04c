"use strict";
// The chart as get_billable's app: the report the host sends.
host.start("atera-mcp billing chart", {
  result(result) {
    const root = document.getElementById("app");
    if (result.isError || !result.structuredContent) {
      put(root, el("div", { class: "notice error" }, resultText(result) || "No report to show."));
    } else {
      billing.show(root, result.structuredContent);
    }
  },
});
