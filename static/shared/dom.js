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
