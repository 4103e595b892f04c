// The test host: the reference host side of MCP Apps (AppBridge from @modelcontextprotocol/ext-apps)
// running one app in a sandboxed iframe. Tool calls from the app go to the Python test through
// `window.callServerTool` (Playwright's expose_function), which forwards them to the real server.
import { AppBridge, PostMessageTransport } from "@modelcontextprotocol/ext-apps/app-bridge";

// The spec's default CSP for a resource that declares no domains: inline and nothing else.
const DEFAULT_CSP =
  "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; " +
  "img-src 'self' data:; media-src 'self' data:; connect-src 'none'";

window.hostLog = { sizes: [], initialized: false, messages: [] };

// A fixed "now" for the app, so SLA clocks and ages are the same on every run: set in the app's
// own document before its scripts (a browser-level clock reaches a sandboxed frame too late).
function fixedClock(now) {
  return (
    `<script>{const D = Date, t = ${Number(now)};
Date = class extends D { constructor(...a) { super(...(a.length ? a : [t])); } static now() { return t; } };}</` +
    "script>"
  );
}

window.startApp = async ({ html, args, result, theme, variables, width, now }) => {
  const iframe = document.createElement("iframe");
  iframe.setAttribute("sandbox", "allow-scripts");
  iframe.id = "app";
  iframe.style.cssText = `width:${width}px;height:200px;border:0;display:block`;
  document.body.append(iframe);
  const hostContext = {
    theme,
    styles: { variables },
    displayMode: "inline",
    availableDisplayModes: ["inline"],
    platform: "web",
    locale: "en-US",
    timeZone: "UTC",
    containerDimensions: { width, maxHeight: 6000 },
  };
  const bridge = new AppBridge(
    null,
    { name: "atera-mcp test host", version: "1.0.0" },
    { serverTools: {}, logging: {} },
    { hostContext },
  );
  bridge.oncalltool = (params) => window.callServerTool(params.name, params.arguments ?? {});
  bridge.onsizechange = ({ height }) => {
    window.hostLog.sizes.push(height);
    if (height) iframe.style.height = `${height}px`;
  };
  bridge.oninitialized = async () => {
    window.hostLog.initialized = true;
    await bridge.sendToolInput({ arguments: args });
    await bridge.sendToolResult(result);
  };
  // What a host does when its user switches theme: ui/notifications/host-context-changed.
  window.changeTheme = (theme, variables) =>
    bridge.setHostContext({ ...hostContext, theme, styles: { variables } });
  await bridge.connect(new PostMessageTransport(iframe.contentWindow, iframe.contentWindow));
  const csp = `<meta http-equiv="Content-Security-Policy" content="${DEFAULT_CSP}">`;
  iframe.srcdoc = html.replace("<head>", `<head>${csp}${now ? fixedClock(now) : ""}`);
};
