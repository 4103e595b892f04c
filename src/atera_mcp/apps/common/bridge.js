"use strict";
// The app's side of MCP Apps (spec 2026-01-26): JSON-RPC 2.0 over postMessage with the host.
// ui/initialize first, then ui/notifications/initialized; the host then sends tool-input and
// tool-result. Tools are called through the host (tools/call), which forwards to the server.
const host = (() => {
  const PROTOCOL_VERSION = "2026-01-26";
  const pending = new Map();
  const listeners = {};
  let nextId = 1;
  let hostContext = {};

  function send(message) {
    window.parent.postMessage({ jsonrpc: "2.0", ...message }, "*");
  }

  function request(method, params) {
    const id = nextId++;
    send({ id, method, params });
    return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
  }

  function notify(method, params) {
    send({ method, params });
  }

  function answer(message) {
    if (message.method === "ping" || message.method === "ui/resource-teardown") {
      send({ id: message.id, result: {} });
    } else {
      send({ id: message.id, error: { code: -32601, message: "Method not found" } });
    }
  }

  window.addEventListener("message", (event) => {
    const message = event.data;
    if (event.source !== window.parent || !message || message.jsonrpc !== "2.0") return;
    if (message.method === undefined) {
      const waiting = pending.get(message.id);
      if (!waiting) return;
      pending.delete(message.id);
      if (message.error) waiting.reject(new Error(message.error.message || "The host refused"));
      else waiting.resolve(message.result);
    } else if (message.id !== undefined) {
      answer(message);
    } else if (listeners[message.method]) {
      listeners[message.method](message.params || {});
    }
  });

  // The host's theme and CSS variables; base.css falls back to its own light and dark values.
  function applyContext(context) {
    hostContext = { ...hostContext, ...context };
    const root = document.documentElement;
    if (hostContext.theme === "dark" || hostContext.theme === "light") {
      root.dataset.theme = hostContext.theme;
    }
    const variables = (hostContext.styles && hostContext.styles.variables) || {};
    for (const [name, value] of Object.entries(variables)) {
      if (name.startsWith("--") && typeof value === "string") root.style.setProperty(name, value);
    }
  }

  function reportSize() {
    let last = "";
    const observer = new ResizeObserver(() => {
      const box = document.documentElement.getBoundingClientRect();
      const size = { width: Math.ceil(box.width), height: Math.ceil(box.height) };
      const key = `${size.width}x${size.height}`;
      if (key !== last) {
        last = key;
        notify("ui/notifications/size-changed", size);
      }
    });
    observer.observe(document.documentElement);
  }

  // Starts the conversation; `on` maps "input", "result" and "cancelled" to handlers.
  async function start(appName, on) {
    listeners["ui/notifications/tool-input"] = (p) => on.input && on.input(p.arguments || {});
    listeners["ui/notifications/tool-result"] = (p) => on.result && on.result(p);
    listeners["ui/notifications/tool-cancelled"] = (p) => on.cancelled && on.cancelled(p);
    listeners["ui/notifications/host-context-changed"] = (p) => applyContext(p);
    const result = await request("ui/initialize", {
      appInfo: { name: appName, version: "1.0.0" },
      appCapabilities: {},
      protocolVersion: PROTOCOL_VERSION,
    });
    applyContext(result.hostContext || {});
    notify("ui/notifications/initialized", {});
    reportSize();
  }

  // A tool call through the host; resolves to the CallToolResult (isError for a refusal).
  function callTool(name, args) {
    return request("tools/call", { name, arguments: args });
  }

  // What the host said about itself (theme, locale, timeZone, ...), merged with its updates.
  function context() {
    return hostContext;
  }

  return { start, callTool, context };
})();
