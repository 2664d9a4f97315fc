/* Helpline: the agents' live feed (ws/tickets/). Each event is re-dispatched on <body> as `hl:live`
   (detail: {kind, ticket_id, data}); pages decide what to refresh. The sidebar counts refresh here. */
(function () {
  "use strict";
  const H = window.Helpline;
  const body = document.body;
  const path = body.dataset.liveUrl;
  if (!path || !("WebSocket" in window)) return;
  const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path;
  const dot = document.querySelector("[data-live-status]");
  const label = document.querySelector("[data-live-label]");
  let attempts = 0;
  let everOpen = false;

  function state(live) {
    if (dot) {
      dot.classList.toggle("is-live", live);
      dot.classList.toggle("is-down", !live && everOpen);
      dot.title = live ? "Live updates on" : "Live updates interrupted: reconnecting";
    }
    if (label) label.textContent = live ? "Live updates on" : "Reconnecting";
    body.dataset.live = live ? "on" : "off";
  }

  let countsTimer = null;
  function refreshCounts() {
    clearTimeout(countsTimer);
    countsTimer = setTimeout(function () { htmx.trigger(body, "hl-counts"); }, 600);
  }

  function connect() {
    const socket = new WebSocket(url);
    socket.addEventListener("open", function () {
      const reconnected = everOpen;
      everOpen = true;
      attempts = 0;
      state(true);
      // After a gap, events may have been missed: refresh what is on screen.
      if (reconnected) body.dispatchEvent(new CustomEvent("hl:live", { detail: { kind: "resync", data: {} } }));
    });
    socket.addEventListener("message", function (message) {
      let event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      if (event.type === "agent.notification") {
        notify(event);
        refreshCounts();
        return;
      }
      body.dispatchEvent(new CustomEvent("hl:live", { detail: event }));
      refreshCounts();
    });
    socket.addEventListener("close", function () {
      state(false);
      attempts += 1;
      setTimeout(connect, Math.min(30000, 500 * Math.pow(2, attempts)));
    });
  }

  function notify(event) {
    const texts = {
      "note.mentioned": "You were mentioned in a note on #",
      "ticket.assigned": "A ticket was assigned to you: #",
      "ticket.customer_replied": "The customer answered on #",
    };
    const prefix = texts[event.event] || "Update on #";
    H.toast(prefix + event.number + (event.subject ? " " + event.subject : ""), "info");
  }

  state(false);
  connect();
})();
