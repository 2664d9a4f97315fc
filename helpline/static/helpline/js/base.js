/* Helpline: what every page needs. No inline scripts exist (strict CSP); pages opt in through data- attributes. */
(function () {
  "use strict";
  const body = document.body;
  document.documentElement.classList.remove("no-js");

  // htmx sends the CSRF token with every request: hx-headers on <body>, from the meta tag.
  const csrf = document.querySelector('meta[name="csrf-token"]');
  if (csrf && csrf.content) {
    body.setAttribute("hx-headers", JSON.stringify({ "X-CSRFToken": csrf.content }));
  }

  // Times are rendered in the viewer's zone: tell the server the browser's (agents choose theirs).
  try {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && !document.cookie.split("; ").includes("hl_tz=" + encodeURIComponent(zone))) {
      document.cookie = "hl_tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; samesite=lax";
    }
  } catch (e) { /* no Intl: the server uses UTC */ }

  function toast(text, kind) {
    const box = document.getElementById("toasts");
    if (!box) return;
    const item = document.createElement("div");
    item.className = "toast" + (kind ? " toast--" + kind : "");
    item.setAttribute("role", kind === "error" ? "alert" : "status");
    item.textContent = text;
    box.appendChild(item);
    setTimeout(function () { item.remove(); }, kind === "error" ? 9000 : 5000);
  }
  document.querySelectorAll("#toasts .toast").forEach(function (item) {
    setTimeout(function () { item.remove(); }, 6000);
  });

  function typing(target) {
    if (!target || !target.closest) return false;
    return !!target.closest("input, textarea, select, [contenteditable=true], dialog[open]");
  }

  // Keyboard shortcuts: pages register keys; typing in a field never triggers them.
  const keys = {};
  let prefix = null;
  let prefixTimer = null;
  function addKey(key, handler) { keys[key] = handler; }
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) return;
    let key = event.key;
    if (prefix) { key = prefix + " " + key; prefix = null; clearTimeout(prefixTimer); }
    else if (key === "g") {
      prefix = "g";
      prefixTimer = setTimeout(function () { prefix = null; }, 1200);
      event.preventDefault();
      return;
    }
    const handler = keys[key];
    if (handler) { event.preventDefault(); handler(event); }
  });

  // The phone-sized menu.
  const sidebar = document.getElementById("sidebar");
  const scrim = document.querySelector(".sidebar-scrim");
  document.querySelectorAll("[data-sidebar-toggle]").forEach(function (button) {
    button.addEventListener("click", function () {
      if (!sidebar) return;
      const open = sidebar.classList.toggle("is-open");
      if (scrim) scrim.hidden = !open;
      if (open) { const first = sidebar.querySelector("a, button"); if (first) first.focus(); }
    });
  });

  document.body.addEventListener("htmx:responseError", function (event) {
    const status = event.detail.xhr ? event.detail.xhr.status : 0;
    const text = status === 403 ? "You may not do that, or your session has expired: reload the page."
      : status === 404 ? "It is not there any more: reload the page."
      : "Something went wrong (HTTP " + status + "). Try again.";
    toast(text, "error");
  });
  document.body.addEventListener("htmx:sendError", function () {
    toast("The server cannot be reached. Check your connection and try again.", "error");
  });

  window.Helpline = { toast: toast, addKey: addKey, typing: typing };
})();
