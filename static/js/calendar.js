// The calendar's drag and drop: a queued post (draggable, data-move-url) dropped on a free slot
// (data-drop-when) posts the same form field the "Move to" list posts, through htmx, so the server
// checks and answers exactly as for the form. Only within one account's week (each has its own slots).
(function () {
  "use strict";

  var dragged = null;

  document.addEventListener("dragstart", function (ev) {
    var el = ev.target instanceof Element ? ev.target.closest("[data-move-url]") : null;
    if (!el) return;
    dragged = el;
    el.classList.add("dragging");
    if (ev.dataTransfer) {
      ev.dataTransfer.effectAllowed = "move";
      ev.dataTransfer.setData("text/plain", el.id);
    }
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    document.querySelectorAll(".drop-over").forEach(function (el) { el.classList.remove("drop-over"); });
  });

  function slotFor(ev) {
    var slot = ev.target instanceof Element ? ev.target.closest("[data-drop-when]") : null;
    if (!slot || !dragged) return null;
    // A post moves within its own account's week.
    if (slot.closest(".calendar-week") !== dragged.closest(".calendar-week")) return null;
    return slot;
  }

  document.addEventListener("dragover", function (ev) {
    var slot = slotFor(ev);
    if (!slot) return;
    ev.preventDefault();
    slot.classList.add("drop-over");
  });

  document.addEventListener("dragleave", function (ev) {
    var slot = ev.target instanceof Element ? ev.target.closest("[data-drop-when]") : null;
    if (slot) slot.classList.remove("drop-over");
  });

  document.addEventListener("drop", function (ev) {
    var slot = slotFor(ev);
    if (!slot) return;
    ev.preventDefault();
    var root = document.querySelector("[data-calendar]");
    var week = root ? root.querySelector("input[name=week]") : null;
    var account = root ? root.querySelector("select[name=account]") : null;
    window.htmx.ajax("POST", dragged.getAttribute("data-move-url"), {
      source: dragged,
      target: "#calendar",
      swap: "outerHTML",
      values: {
        when: slot.getAttribute("data-drop-when"),
        week: week ? week.value : "",
        account_filter: account ? account.value : ""
      }
    });
  });
})();
