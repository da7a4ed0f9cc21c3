/*
 * The REST client every app page shares: the session cookie, Django's CSRF header, JSON in
 * and out, and the API's error envelope ({"error": {"code", "message", "fields"?}}) turned
 * into an ApiError the page can word for its user.
 */

export class ApiError extends Error {
  constructor(status, message, error) {
    super(message);
    this.status = status;
    this.error = error || {};
  }

  get code() {
    return this.error.code || "";
  }
}

export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  if (match) return decodeURIComponent(match[1]);
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

export function query(params) {
  const clean = Object.entries(params || {}).filter(([, v]) => v !== undefined && v !== null && v !== "");
  const search = new URLSearchParams(clean).toString();
  return search ? `?${search}` : "";
}

export const enc = encodeURIComponent;

/**
 * A client bound to the API's base path. `request(path, {method, body})` resolves to the JSON
 * answer (null for 204) and rejects with ApiError; an expired session goes to the login page.
 */
export function apiClient(base = "/api/v1/") {
  async function request(path, { method = "GET", body } = {}) {
    const url = /^(https?:)?\//.test(path) ? path : base + path;
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (!["GET", "HEAD", "OPTIONS"].includes(method)) headers["X-CSRFToken"] = csrfToken();
    let res;
    try {
      res = await fetch(url, {
        method,
        headers,
        credentials: "same-origin",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, "Can't reach the server. Check your connection.");
    }
    const data = res.status === 204 ? null : await res.json().catch(() => null);
    if (!res.ok) {
      const error = (data && data.error) || {};
      if (res.status === 401 || error.code === "not_authenticated") {
        location.assign(`/login/?next=${encodeURIComponent(location.pathname + location.hash)}`);
      }
      throw new ApiError(res.status, error.message || `Request failed (${res.status}).`, error);
    }
    return data;
  }

  /** Every page of a paginated list (at most 50 pages), or a plain list as it is. */
  async function all(path) {
    let data = await request(path);
    if (Array.isArray(data)) return data;
    const out = [...((data && data.results) || [])];
    for (let page = 0; data && data.next && page < 50; page += 1) {
      data = await request(data.next);
      out.push(...((data && data.results) || []));
    }
    return out;
  }

  return { request, all };
}

/** The JSON a template put in the page with Django's json_script. */
export function pageConfig(id) {
  const node = document.getElementById(id);
  return JSON.parse((node && node.textContent) || "{}");
}
