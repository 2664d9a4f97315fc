/* Helpline: shortcuts that work on every agent page (? for the list, / to jump, g i / g u to go). */
(function () {
  "use strict";
  const H = window.Helpline;
  const dialog = document.getElementById("shortcuts");
  function openHelp() { if (dialog && !dialog.open) dialog.showModal(); }
  document.querySelectorAll("[data-shortcuts-open]").forEach(function (button) {
    button.addEventListener("click", openHelp);
  });
  H.addKey("?", openHelp);
  H.addKey("/", function () {
    const jump = document.querySelector("[data-shortcut-focus='/']");
    if (jump) { jump.focus(); jump.select(); }
  });
  H.addKey("g i", function () { location.href = "/"; });
  H.addKey("g u", function () { location.href = "/views/unassigned"; });
})();
