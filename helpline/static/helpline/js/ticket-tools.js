/* Helpline ticket page, continued: the Conversation / History tabs and the composer's canned
   responses picker (type to narrow, arrows to choose, Enter to insert, Escape to close). */
(function () {
  "use strict";
  const H = window.Helpline;
  const body = document.body;
  const page = document.querySelector("[data-page=ticket]");
  if (!page) return;

  // ------------------------------------------------------------------ tabs
  const tabs = Array.from(document.querySelectorAll("[data-ticket-tabs] [role=tab]"));
  function select(tab, focus) {
    tabs.forEach(function (other) {
      const chosen = other === tab;
      other.setAttribute("aria-selected", chosen ? "true" : "false");
      other.tabIndex = chosen ? 0 : -1;
      const panel = document.getElementById(other.getAttribute("aria-controls"));
      if (panel) panel.hidden = !chosen;
    });
    if (focus) tab.focus();
    // The history is read again each time it is shown: it changes while the agent works.
    if (tab.dataset.historyUrl) {
      htmx.ajax("GET", tab.dataset.historyUrl, { target: "#history-body", swap: "innerHTML" });
    }
  }
  tabs.forEach(function (tab, index) {
    tab.addEventListener("click", function (event) {
      if (event.metaKey || event.ctrlKey || event.shiftKey) return; // a new tab: the plain page
      event.preventDefault();
      select(tab, false);
    });
    tab.addEventListener("keydown", function (event) {
      let next = null;
      if (event.key === "ArrowRight") next = tabs[(index + 1) % tabs.length];
      else if (event.key === "ArrowLeft") next = tabs[(index - 1 + tabs.length) % tabs.length];
      else if (event.key === "Home") next = tabs[0];
      else if (event.key === "End") next = tabs[tabs.length - 1];
      if (next) { event.preventDefault(); select(next, true); }
    });
  });
  if (tabs.length) H.addKey("h", function () {
    const history = tabs.find(function (t) { return t.dataset.tab === "history"; });
    const conversation = tabs.find(function (t) { return t.dataset.tab === "conversation"; });
    const showing = history && history.getAttribute("aria-selected") === "true";
    select(showing ? conversation : history, true);
  });

  // ------------------------------------------------------------------ canned responses
  let active = -1;
  function picker() { return document.querySelector("[data-canned-picker]"); }
  function search() { const p = picker(); return p && p.querySelector("[data-canned-search]"); }
  function items() {
    const p = picker();
    return p ? Array.from(p.querySelectorAll("[data-canned-list] [role=option]")).filter(function (li) { return !li.hidden; }) : [];
  }
  function highlight() {
    const shown = items();
    const p = picker();
    if (p) p.querySelectorAll("[data-canned-list] [role=option]").forEach(function (li) { li.setAttribute("aria-selected", "false"); });
    const input = search();
    const current = shown[active];
    if (current) {
      current.setAttribute("aria-selected", "true");
      current.scrollIntoView({ block: "nearest" });
      if (input) input.setAttribute("aria-activedescendant", current.id);
    } else if (input) {
      input.removeAttribute("aria-activedescendant");
    }
  }
  function narrow() {
    const input = search();
    const p = picker();
    if (!input || !p) return;
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    p.querySelectorAll("[data-canned-list] [role=option]").forEach(function (li) {
      const hay = (li.dataset.cannedTitle + " " + li.dataset.cannedText).toLowerCase();
      li.hidden = !words.every(function (w) { return hay.includes(w); });
    });
    active = items().length ? 0 : -1;
    highlight();
  }
  function close(refocus) {
    const p = picker();
    if (p) p.open = false;
    if (refocus) {
      const area = document.querySelector("#composer [data-composer-body]");
      if (area) area.focus();
    }
  }
  function insert(li) {
    const area = document.querySelector("#composer [data-composer-body]");
    if (!area || !li) return;
    const start = area.selectionStart == null ? area.value.length : area.selectionStart;
    const end = area.selectionEnd == null ? start : area.selectionEnd;
    area.setRangeText(li.dataset.cannedText, start, end, "end");
    area.dispatchEvent(new Event("input", { bubbles: true }));
    close(true);
  }
  body.addEventListener("toggle", function (event) {
    const p = event.target;
    if (!p.matches || !p.matches("[data-canned-picker]") || !p.open) return;
    const input = search();
    if (input) { input.value = ""; input.focus(); }
    narrow();
  }, true);
  body.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("[data-canned-search]")) narrow();
  });
  body.addEventListener("keydown", function (event) {
    if (!event.target.matches || !event.target.matches("[data-canned-search]")) return;
    const shown = items();
    if (event.key === "ArrowDown" && shown.length) { active = (active + 1) % shown.length; highlight(); }
    else if (event.key === "ArrowUp" && shown.length) { active = (active - 1 + shown.length) % shown.length; highlight(); }
    else if (event.key === "Enter") { if (shown[active]) insert(shown[active]); }
    else if (event.key === "Escape") { close(true); }
    else return;
    event.preventDefault();
  });
  body.addEventListener("click", function (event) {
    const li = event.target.closest && event.target.closest("[data-canned-list] [role=option]");
    if (li) { event.preventDefault(); insert(li); }
  });
  // The list arrives after the picker opened: narrow it by what the agent typed meanwhile.
  body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.matches && event.detail.target.matches("[data-canned-box]")) narrow();
  });
})();
