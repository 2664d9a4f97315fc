/* Helpline ticket page: composer (reply / note, Ctrl+Enter, @mentions, files), live thread and
   properties, presence (who else is here, who is typing), keys r n a s j k u. */
(function () {
  "use strict";
  const H = window.Helpline;
  const body = document.body;
  const page = document.querySelector("[data-page=ticket]");
  if (!page) return;
  const ticketId = Number(page.dataset.ticketId);
  const me = Number(body.dataset.agentId);

  function composer() { return document.getElementById("composer"); }
  function textarea() { const form = composer(); return form && form.querySelector("[data-composer-body]"); }

  function choose(kind) {
    const form = composer();
    if (!form) return;
    const radio = form.querySelector('input[name="kind"][value="' + kind + '"]');
    if (radio) { radio.checked = true; radio.dispatchEvent(new Event("change", { bubbles: true })); }
    const area = textarea();
    if (area) { area.focus(); form.scrollIntoView({ block: "nearest" }); }
  }

  function send() {
    const form = composer();
    if (!form) return;
    const note = form.querySelector('input[name="kind"][value="note"]');
    const button = note && note.checked ? form.querySelector("[data-send-note]") : form.querySelector("[data-send]");
    // A click (not requestSubmit) so that htmx sends the button's name and value along.
    if (button) button.click();
  }

  // ------------------------------------------------------------------ keys
  H.addKey("r", function () { choose("reply"); });
  H.addKey("n", function () { choose("note"); });
  // Keys pressed quickly one after the other must wait for the properties form that the previous
  // change swapped in to be ready (htmx processes it just after the swap).
  function whenPropertiesReady(action, tries) {
    const form = document.getElementById("properties");
    if (!form) return;
    const busy = form.classList.contains("htmx-request") || form.classList.contains("htmx-settling") ||
      !(form["htmx-internal-data"] && form["htmx-internal-data"].initHash);
    if (busy && (tries || 0) < 60) { setTimeout(function () { whenPropertiesReady(action, (tries || 0) + 1); }, 50); return; }
    action(form);
  }
  H.addKey("a", function () {
    whenPropertiesReady(function (form) {
      const take = form.querySelector("[data-take]");
      if (take) take.click();
    });
  });
  H.addKey("s", function () {
    whenPropertiesReady(function (form) {
      const select = form.querySelector("[data-prop-status]");
      if (select && !select.disabled && select.querySelector('option[value="solved"]')) {
        select.value = "solved";
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  });
  H.addKey("j", function () { location.href = page.dataset.nextUrl; });
  H.addKey("k", function () { location.href = page.dataset.prevUrl; });
  H.addKey("u", function () { location.href = page.dataset.listUrl; });

  body.addEventListener("keydown", function (event) {
    if (!event.target.matches || !event.target.matches("[data-composer-body]")) return;
    if (mentionKeys(event)) return;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); send(); }
    else if (event.key === "Escape") { event.target.blur(); }
  });

  // ------------------------------------------------------------------ @mentions in notes
  let suggestion = -1;
  // The suggestions are built from the picker's checkboxes (one list of agents in the page).
  function list() {
    const form = composer();
    const target = form && form.querySelector("[data-mention-list]");
    if (target && !target.children.length) {
      form.querySelectorAll("[data-mention-check]").forEach(function (box) {
        const li = document.createElement("li");
        li.setAttribute("role", "option");
        li.id = "mention-" + box.value;
        li.dataset.agentId = box.value;
        li.dataset.name = box.dataset.name;
        li.textContent = box.dataset.name;
        target.appendChild(li);
      });
    }
    return target;
  }
  function isNote() { const r = composer() && composer().querySelector('input[name="kind"][value="note"]'); return !!(r && r.checked); }
  function query() {
    const area = textarea();
    if (!area) return null;
    const before = area.value.slice(0, area.selectionStart);
    const match = /(^|\s)@([\p{L}\p{N}._-]*)$/u.exec(before);
    return match ? match[2] : null;
  }
  function options() { const l = list(); return l ? Array.from(l.querySelectorAll("li")).filter(function (li) { return !li.hidden; }) : []; }
  function showSuggestions() {
    const l = list();
    if (!l) return;
    const q = isNote() ? query() : null;
    if (q === null) { l.hidden = true; suggestion = -1; return; }
    const needle = q.toLowerCase();
    let shown = 0;
    l.querySelectorAll("li").forEach(function (li) {
      const name = li.dataset.name.toLowerCase();
      const match = !needle || name.split(/\s+/).some(function (w) { return w.startsWith(needle); }) || name.startsWith(needle);
      li.hidden = !match;
      li.setAttribute("aria-selected", "false");
      if (match) shown += 1;
    });
    l.hidden = shown === 0;
    suggestion = shown ? 0 : -1;
    highlight();
  }
  function highlight() {
    options().forEach(function (li, i) { li.setAttribute("aria-selected", i === suggestion ? "true" : "false"); });
    const area = textarea();
    const active = options()[suggestion];
    if (area) {
      if (active) area.setAttribute("aria-activedescendant", active.id); else area.removeAttribute("aria-activedescendant");
    }
  }
  function pick(li) {
    const area = textarea();
    const q = query();
    if (!area || q === null) return;
    const start = area.selectionStart - q.length - 1;
    const insert = "@" + li.dataset.name + " ";
    area.setRangeText(insert, start, area.selectionStart, "end");
    const box = composer().querySelector('[data-mention-check][value="' + li.dataset.agentId + '"]');
    if (box) box.checked = true;
    list().hidden = true;
    area.focus();
  }
  function mentionKeys(event) {
    const l = list();
    if (!l || l.hidden) return false;
    const opts = options();
    if (event.key === "ArrowDown") { suggestion = (suggestion + 1) % opts.length; highlight(); }
    else if (event.key === "ArrowUp") { suggestion = (suggestion - 1 + opts.length) % opts.length; highlight(); }
    else if (event.key === "Enter" || event.key === "Tab") { if (opts[suggestion]) pick(opts[suggestion]); }
    else if (event.key === "Escape") { l.hidden = true; }
    else return false;
    event.preventDefault();
    return true;
  }
  body.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("[data-composer-body]")) { showSuggestions(); typingNow(); }
  });
  body.addEventListener("mousedown", function (event) {
    const li = event.target.closest && event.target.closest("[data-mention-list] li");
    if (li) { event.preventDefault(); pick(li); }
  });

  // ------------------------------------------------------------------ files: list and drag & drop
  function listFiles(input) {
    const target = input.closest("form").querySelector("[data-file-list]");
    if (!target) return;
    target.querySelectorAll("li.is-new").forEach(function (li) { li.remove(); });
    Array.from(input.files).forEach(function (file) {
      const li = document.createElement("li");
      li.className = "is-new";
      li.textContent = file.name + " (" + Math.max(1, Math.round(file.size / 1024)) + " KB)";
      target.appendChild(li);
    });
  }
  body.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-file-input]")) listFiles(event.target);
  });
  ["dragenter", "dragover"].forEach(function (name) {
    body.addEventListener(name, function (event) {
      const form = event.target.closest && event.target.closest("[data-composer]");
      if (!form || !event.dataTransfer || !Array.from(event.dataTransfer.types).includes("Files")) return;
      event.preventDefault();
      form.classList.add("is-dragging");
    });
  });
  ["dragleave", "drop"].forEach(function (name) {
    body.addEventListener(name, function (event) {
      const form = event.target.closest && event.target.closest("[data-composer]");
      if (!form) return;
      form.classList.remove("is-dragging");
      if (name !== "drop" || !event.dataTransfer || !event.dataTransfer.files.length) return;
      event.preventDefault();
      const input = form.querySelector("[data-file-input]");
      const merged = new DataTransfer();
      Array.from(input.files).concat(Array.from(event.dataTransfer.files)).forEach(function (f) { merged.items.add(f); });
      input.files = merged.files;
      listFiles(input);
    });
  });

  // ------------------------------------------------------------------ live thread and properties
  function lastSeenFollowsThread() {
    // What the agent has on screen counts as seen only while they are not writing.
    const thread = document.getElementById("thread");
    const area = textarea();
    const field = composer() && composer().querySelector("[data-last-seen]");
    if (thread && field && area && !area.value.trim() && !composer().querySelector("[data-held]")) {
      field.value = thread.dataset.lastPublicId;
    }
  }
  // The agent's own property changes come back as live events too: those are already on screen,
  // and a refresh racing the agent's next change could show older values than the server has.
  let ownChangeAt = 0;
  body.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt && event.detail.elt.id === "properties") ownChangeAt = Date.now();
  });
  function refreshProperties() {
    const props = document.getElementById("properties");
    if (!props || props.contains(document.activeElement) || props.classList.contains("htmx-request")) return;
    if (Date.now() - ownChangeAt < 3000) return;
    htmx.ajax("GET", props.getAttribute("hx-post"), { target: "#properties", swap: "outerHTML" });
  }
  let threadTimer = null;
  body.addEventListener("hl:live", function (event) {
    const detail = event.detail || {};
    if (detail.kind !== "resync" && Number(detail.ticket_id) !== ticketId) return;
    clearTimeout(threadTimer);
    threadTimer = setTimeout(function () {
      if (detail.kind === "message.added" || detail.kind === "resync") htmx.trigger("#thread", "hl-thread");
      refreshProperties();
    }, 150);
  });
  body.addEventListener("htmx:afterSwap", function (event) {
    const id = event.detail.target && event.detail.target.id;
    if (id === "thread") lastSeenFollowsThread();
    if (id === "composer") { typingStopped(); const held = document.querySelector("[data-held]"); if (held) held.scrollIntoView({ block: "nearest" }); }
  });
  body.addEventListener("htmx:oobAfterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "thread") lastSeenFollowsThread();
  });

  // ------------------------------------------------------------------ presence
  const bar = document.querySelector("[data-presence]");
  const others = new Map(); // channel -> {id, name, typing, seen}
  let socket = null;
  let typingSent = false;
  let typingTimer = null;

  function render() {
    if (!bar) return;
    const now = Date.now();
    const people = new Map();
    others.forEach(function (who, channel) {
      if (now - who.seen > 70000) { others.delete(channel); return; }
      const known = people.get(who.id);
      people.set(who.id, { name: who.name, typing: who.typing || (known && known.typing) });
    });
    bar.replaceChildren();
    if (!people.size) { bar.hidden = true; return; }
    bar.hidden = false;
    const label = document.createElement("span");
    label.textContent = "Also here:";
    bar.appendChild(label);
    people.forEach(function (who) {
      const item = document.createElement("span");
      item.className = "presence__who";
      item.dataset.presenceName = who.name;
      const name = document.createElement("strong");
      name.textContent = who.name;
      item.appendChild(name);
      if (who.typing) {
        const t = document.createElement("span");
        t.className = "presence__typing";
        t.textContent = "is typing a reply";
        item.appendChild(t);
      } else {
        const v = document.createElement("span");
        v.textContent = "viewing";
        item.appendChild(v);
      }
      bar.appendChild(item);
    });
  }

  function sendJson(data) { if (socket && socket.readyState === 1) socket.send(JSON.stringify(data)); }
  function typingNow() {
    if (!typingSent) { typingSent = true; sendJson({ action: "typing", typing: true }); }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(typingStopped, 5000);
  }
  function typingStopped() {
    clearTimeout(typingTimer);
    if (typingSent) { typingSent = false; sendJson({ action: "typing", typing: false }); }
  }

  function connectPresence(attempt) {
    if (!page.dataset.presenceUrl || !("WebSocket" in window)) return;
    socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + page.dataset.presenceUrl);
    socket.addEventListener("message", function (message) {
      let event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      if (!event.agent_id || event.agent_id === me) return;
      if (event.type === "presence.leave") others.delete(event.channel);
      else others.set(event.channel, { id: event.agent_id, name: event.name, typing: !!event.typing, seen: Date.now() });
      render();
    });
    socket.addEventListener("open", function () { attempt = 0; });
    socket.addEventListener("close", function () {
      others.clear();
      render();
      setTimeout(function () { connectPresence((attempt || 0) + 1); }, Math.min(30000, 1000 * Math.pow(2, attempt || 0)));
    });
  }
  setInterval(function () { sendJson({ action: "heartbeat", typing: typingSent }); render(); }, 25000);
  connectPresence(0);
})();
