// Generation page: a Markov chain uses none of GPT-2's sampling settings, so picking one switches them off
// (greyed, not sent); picking a GPT-2 model switches them back on.
(function () {
  "use strict";

  function sync(form) {
    var select = form.querySelector("select[name=checkpoint]");
    if (!select) return;
    var option = select.options[select.selectedIndex];
    var markov = !!option && option.getAttribute("data-kind") === "markov";
    form.querySelectorAll("[data-gpt2-only]").forEach(function (input) {
      input.disabled = markov;
      var label = input.closest("label");
      if (label) label.classList.toggle("is-off", markov);
    });
    var note = form.querySelector("[data-markov-note]");
    if (note) note.hidden = !markov;
    var base = form.querySelector("[data-base-note]");
    if (base) base.hidden = !(option && option.getAttribute("data-kind") === "base");
    // "For account": the empty choice names the account the picked checkpoint's batches go to by default.
    var account = form.querySelector("select[name=account]");
    if (account && account.options.length && account.options[0].value === "" && option) {
      var name = option.getAttribute("data-account");
      account.options[0].text = "The checkpoint's account (" + (name || "none yet") + ")";
    }
  }

  // A name field suggested from the corpus (data-suggested-from) follows the corpus picked, unless the
  // owner typed a name of their own.
  function followCorpus(form) {
    var select = form.querySelector("select[name=corpus]");
    var input = form.querySelector("[data-suggested-from=corpus]");
    if (!select || !input) return;
    var suggested = function () {
      var option = select.options[select.selectedIndex];
      return option ? option.getAttribute("data-run-name") || "" : "";
    };
    var last = input.value;
    select.addEventListener("change", function () {
      if (input.value === last || input.value === "") {
        input.value = suggested();
        last = input.value;
      }
    });
  }

  function init() {
    ["finetune-form", "markov-form"].forEach(function (id) {
      var f = document.getElementById(id);
      if (f) followCorpus(f);
    });
    var form = document.getElementById("batch-form");
    if (!form) return;
    sync(form);
    form.addEventListener("change", function (event) {
      if (event.target.name === "checkpoint") sync(form);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
