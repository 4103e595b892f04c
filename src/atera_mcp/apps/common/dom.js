"use strict";
// Building the page. Ticket text is written by customers, so data reaches the page only as
// text nodes and attributes set one by one: never as markup.
const SVG_NS = "http://www.w3.org/2000/svg";

function fill(node, attributes, children) {
  for (const [name, value] of Object.entries(attributes || {})) {
    if (name === "on") {
      for (const [event, handler] of Object.entries(value)) node.addEventListener(event, handler);
    } else if (value !== undefined && value !== null && value !== false) {
      node.setAttribute(name, value === true ? "" : String(value));
    }
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === "string" || typeof child === "number" ? String(child) : child);
  }
  return node;
}

function el(tag, attributes, ...children) {
  return fill(document.createElement(tag), attributes, children);
}

function svg(tag, attributes, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attributes, children);
}

// Replaces what `node` shows; null, undefined and false children are left out.
function put(node, ...children) {
  node.replaceChildren();
  return fill(node, {}, children);
}

// Text of a CallToolResult's content blocks: a refusal's message, as the tool wrote it.
function resultText(result) {
  return (result.content || [])
    .filter((block) => block.type === "text")
    .map((block) => block.text)
    .join("\n");
}

const HOUR = 3600 * 1000;

function duration(ms) {
  const minutes = Math.round(Math.abs(ms) / 60000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

// A time as the host's user reads it: the host's locale and time zone when it gives them.
function when(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const { locale, timeZone } = host.context();
  const options = { dateStyle: "medium", timeStyle: "short" };
  try {
    return date.toLocaleString(locale || undefined, timeZone ? { ...options, timeZone } : options);
  } catch {
    return date.toLocaleString(undefined, options); // an unknown locale or zone
  }
}

// How old something is, short enough for a table cell: "39 min", "5 h", "23 d".
function age(ms) {
  const minutes = Math.max(0, Math.round(ms / 60000));
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)} h`;
  return `${Math.floor(minutes / 1440)} d`;
}

function hoursText(value) {
  return `${Number(value || 0).toFixed(2)} h`;
}
