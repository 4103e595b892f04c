"use strict";
// The queue as search_tickets' app: the hits the host sends, and the arguments that found them.
let searchArguments = {};
host.start("atera-mcp ticket queue", {
  input(args) {
    searchArguments = args;
  },
  result(result) {
    const root = document.getElementById("app");
    if (result.isError || !result.structuredContent) {
      put(root, el("div", { class: "notice error" }, resultText(result) || "No tickets to show."));
    } else {
      queue.show(root, result.structuredContent, searchArguments);
    }
  },
});
