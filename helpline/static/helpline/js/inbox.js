/* Helpline inbox: selection and bulk bar, j/k/x/o/a/s keys, live refresh of the list. */
(function () {
  "use strict";
  const H = window.Helpline;
  const body = document.body;
  let focusedId = null;
  let loadedMore = false;
  let staleWhileBusy = false;

  function results() { return document.getElementById("inbox-results"); }
  function rows() { return Array.from(document.querySelectorAll("#rows .ticket-row")); }
  function checked() { return Array.from(document.querySelectorAll('#rows input[name="ticket"]:checked')); }

  function syncSelection() {
    const form = results();
    if (!form) return;
    const count = checked().length;
    form.classList.toggle("has-selection", count > 0);
    const label = form.querySelector("[data-selected-count]");
    if (label) label.textContent = String(count);
    rows().forEach(function (row) {
      const box = row.querySelector('input[name="ticket"]');
      row.classList.toggle("is-selected", !!(box && box.checked));
    });
    const all = form.querySelector("[data-select-all]");
    if (all) {
      const total = rows().length;
      all.checked = total > 0 && count === total;
      all.indeterminate = count > 0 && count < total;
    }
  }

  function focusRow(row) {
    rows().forEach(function (r) { r.classList.remove("is-focused"); });
    if (!row) { focusedId = null; return; }
    row.classList.add("is-focused");
    focusedId = row.dataset.ticketId;
    const link = row.querySelector(".ticket-link");
    if (link) link.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }

  function current() { return rows().find(function (r) { return r.dataset.ticketId === focusedId; }) || null; }

  function move(step) {
    const list = rows();
    if (!list.length) return;
    const index = list.indexOf(current());
    const next = index < 0 ? (step > 0 ? 0 : list.length - 1) : Math.max(0, Math.min(list.length - 1, index + step));
    focusRow(list[next]);
  }

  function toggle() {
    const row = current();
    if (!row) return;
    const box = row.querySelector('input[name="ticket"]');
    box.checked = !box.checked;
    syncSelection();
  }

  function bulk(action) {
    const form = results();
    if (!form) return;
    if (!checked().length) {
      const row = current();
      if (!row) { H.toast("Select tickets first (j / k to move, x to select).", "info"); return; }
      row.querySelector('input[name="ticket"]').checked = true;
      syncSelection();
    }
    // A click (not requestSubmit) so that htmx sends the button's name and value along.
    const button = form.querySelector('[data-bulk-action="' + action + '"]');
    if (button) button.click();
  }

  // Clicks: a row opens its ticket (except on the checkbox and links), the checkboxes select.
  body.addEventListener("click", function (event) {
    const row = event.target.closest && event.target.closest("#rows .ticket-row");
    if (!row || event.target.closest("input, a, button, label")) return;
    if (event.metaKey || event.ctrlKey) { window.open(row.dataset.href, "_blank"); return; }
    location.href = row.dataset.href;
  });
  body.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-select-all]")) {
      rows().forEach(function (row) { row.querySelector('input[name="ticket"]').checked = event.target.checked; });
    }
    if (event.target.closest && event.target.closest("#inbox-results")) syncSelection();
  });
  body.addEventListener("focusin", function (event) {
    const row = event.target.closest && event.target.closest("#rows .ticket-row");
    if (row && row.dataset.ticketId !== focusedId) {
      rows().forEach(function (r) { r.classList.remove("is-focused"); });
      row.classList.add("is-focused");
      focusedId = row.dataset.ticketId;
    }
  });

  const toggle_ = document.querySelector("[data-filter-toggle]");
  if (toggle_) {
    toggle_.addEventListener("click", function () {
      const open = toggle_.closest("form").classList.toggle("is-expanded");
      toggle_.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  H.addKey("j", function () { move(1); });
  H.addKey("k", function () { move(-1); });
  H.addKey("ArrowDown", function () { move(1); });
  H.addKey("ArrowUp", function () { move(-1); });
  H.addKey("x", toggle);
  H.addKey("o", function () { const row = current(); if (row) location.href = row.dataset.href; });
  H.addKey("Enter", function () { const row = current(); if (row) location.href = row.dataset.href; });
  H.addKey("a", function () { bulk("assign-me"); });
  H.addKey("s", function () { bulk("solve"); });

  // Live: new and changed tickets show up without a reload. With a selection, the refresh keeps it;
  // after "Load more", or while the agent is using the bulk bar, it waits.
  let timer = null;
  function refresh() {
    const form = results();
    if (!form) return;
    const busy = loadedMore || (document.activeElement && form.contains(document.activeElement) &&
      document.activeElement.matches("select, input:not([type=checkbox])"));
    if (busy) { staleWhileBusy = true; return; }
    const selected = checked().map(function (box) { return box.value; });
    const before = new Set(rows().map(function (r) { return r.dataset.ticketId; }));
    htmx.ajax("GET", form.dataset.refreshUrl, { target: "#inbox-results", swap: "outerHTML" }).then(function () {
      selected.forEach(function (id) {
        const box = document.querySelector('#rows input[name="ticket"][value="' + id + '"]');
        if (box) box.checked = true;
      });
      rows().forEach(function (row) {
        if (before.size && !before.has(row.dataset.ticketId)) row.classList.add("is-fresh");
        if (row.dataset.ticketId === focusedId) row.classList.add("is-focused");
      });
      syncSelection();
    });
  }
  body.addEventListener("hl:live", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 350);
  });
  body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "more-row") loadedMore = true;
    if (event.detail.target && event.detail.target.id === "inbox-results") {
      loadedMore = false;
      syncSelection();
    }
  });
  body.addEventListener("focusout", function () {
    if (staleWhileBusy && !loadedMore) { staleWhileBusy = false; clearTimeout(timer); timer = setTimeout(refresh, 800); }
  });
  syncSelection();
})();
