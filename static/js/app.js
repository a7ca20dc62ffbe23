// Small behaviours shared by every page, wired by data attributes instead of inline on* handlers
// (the Content-Security-Policy refuses those). Listeners sit on the document, so they also work on
// content htmx swaps in later.
(function () {
  "use strict";

  // <form data-confirm="Question?">: asks before it is sent (plain and htmx forms alike); Cancel sends nothing.
  // Capture phase on the document, so the question comes before htmx's own submit listener on the form.
  document.addEventListener("submit", function (ev) {
    var form = ev.target instanceof Element ? ev.target.closest("form[data-confirm]") : null;
    if (form && !window.confirm(form.getAttribute("data-confirm"))) {
      ev.preventDefault();
      ev.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("click", function (ev) {
    var target = ev.target instanceof Element ? ev.target : null;
    if (!target) return;

    // <button data-show-dialog="id">: opens the <dialog id="id"> as a modal.
    var opener = target.closest("[data-show-dialog]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-show-dialog"));
      if (dialog && typeof dialog.showModal === "function") dialog.showModal();
      return;
    }

    // <input type="checkbox" data-select-all> in a table head: (un)ticks every enabled box of the table body.
    var all = target.closest("input[type=checkbox][data-select-all]");
    if (all) {
      var table = all.closest("table");
      if (!table) return;
      table.querySelectorAll("tbody input[type=checkbox]").forEach(function (box) {
        if (!box.disabled) box.checked = all.checked;
      });
    }
  });
})();
