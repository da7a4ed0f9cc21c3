/*
 * DOM helpers shared by the app pages. User text goes in as text (textContent, or lit-html's
 * escaped bindings), never as markup; `esc` is for the few strings a page builds as HTML.
 */

export const byId = (id) => document.getElementById(id);

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

export function setText(node, text) {
  node.textContent = text === undefined || text === null ? "" : String(text);
}

export function esc(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

// An address written in a message: http(s) only, without the punctuation that ends its sentence
const WRITTEN_URL = /\bhttps?:\/\/[^\s<>"']+/gi;
const URL_TAIL = /[.,;:!?)\]}'"\u00bb\u201d]+$/;

/** The text cut into plain parts ({text}) and addresses ({text, href}), for a page to show the addresses as links
 *  (a tracking link an agent pasted was plain text: re-trial of 4 Dec). Only http(s) addresses are links. */
export function linkParts(text) {
  const source = String(text ?? "");
  const parts = [];
  let at = 0;
  for (const match of source.matchAll(WRITTEN_URL)) {
    const url = match[0].replace(URL_TAIL, "");
    let href = "";
    try {
      const parsed = new URL(url);
      href = parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : "";
    } catch {
      href = "";
    }
    if (!href) continue;
    if (match.index > at) parts.push({ text: source.slice(at, match.index) });
    parts.push({ text: url, href });
    at = match.index + url.length;
  }
  if (at < source.length) parts.push({ text: source.slice(at) });
  return parts;
}

export function humanize(key) {
  const text = String(key ?? "").replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function relativeTime(iso, now = Date.now()) {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "";
  const seconds = Math.round((now - t) / 1000);
  if (seconds < 45) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes}m ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours}h ago`;
  const days = Math.round(hours / 24);
  if (days < 7) return `${days}d ago`;
  return new Date(t).toLocaleDateString();
}

/** Keeps every <time data-relative> on the page current ("just now" becomes "2m ago"). */
export function refreshRelativeTimes(intervalMs = 30000) {
  return setInterval(() => {
    document.querySelectorAll("time[data-relative]").forEach((node) => {
      node.textContent = relativeTime(node.dateTime);
    });
  }, intervalMs);
}

/** True when a key press is typing into a field, where page shortcuts must not fire. */
export function isTyping(event) {
  const target = event.target;
  if (!target || !(target instanceof Element)) return false;
  return Boolean(target.closest("input, textarea, select, [contenteditable=''], [contenteditable=true]"));
}
