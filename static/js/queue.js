// Keyboard for the curation queue. Each key clicks the button or link that carries it as
// data-key inside #queue-panel, so a key does exactly what the click does (htmx swaps the panel).
(function () {
  "use strict";
  var script = document.currentScript;
  var renewUrl = script ? script.getAttribute("data-renew-url") : null;
  var ARROWS = { ArrowDown: "j", ArrowRight: "j", ArrowUp: "k", ArrowLeft: "k" };
  var busy = false;
  var lastActivity = Date.now();

  function panel() { return document.getElementById("queue-panel"); }
  function help() { return document.getElementById("queue-help"); }
  function typing(el) {
    return !!el && (el.tagName === "TEXTAREA" || el.tagName === "INPUT" || el.tagName === "SELECT" || el.isContentEditable);
  }
  // A key inside a closed menu (the card's "Schedule to…", opened with m) is not the curator's to press: the
  // digits there schedule to an account only once the menu is open, and are reject reasons otherwise.
  function shut(el) {
    for (var d = el.closest("details"); d; d = d.parentElement && d.parentElement.closest("details")) {
      var summary = el.tagName === "SUMMARY" && el.parentElement === d;
      if (!d.open && !summary) { return true; }
    }
    return false;
  }
  function press(key) {
    var root = panel();
    if (!root) { return false; }
    var selector = '[data-key="' + key + '"]';
    var el = root.querySelector("details[open] " + selector);  // an open menu's keys come first
    if (!el) {
      el = Array.prototype.find.call(root.querySelectorAll(selector), function (c) { return !shut(c); });
    }
    if (!el || el.disabled) { return false; }
    el.click();
    return true;
  }

  document.addEventListener("keydown", function (ev) {
    lastActivity = Date.now();
    var dialog = help();
    if (dialog && dialog.open) { return; }  // the dialog handles Esc itself
    if (typing(ev.target)) {
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); press("save"); }
      else if (ev.key === "Escape") { ev.preventDefault(); press("Escape"); }
      return;
    }
    if (ev.altKey || ev.ctrlKey || ev.metaKey) { return; }
    if (ev.key === "?") { ev.preventDefault(); if (dialog) { dialog.showModal(); } return; }
    var key = ARROWS[ev.key] || ev.key;
    // One decision at a time: a key pressed while a swap is in flight would act on the old card.
    if (busy) { ev.preventDefault(); return; }
    if (press(key)) { ev.preventDefault(); return; }
    if (hint(key)) { ev.preventDefault(); }
  });

  // A key that means nothing on this card (Shift+A on an original) says why nothing happened: the card
  // carries the sentence (data-hint-for lists the keys), so the words stay in the template.
  function hint(key) {
    var root = panel();
    if (!root) { return false; }
    var found = false;
    root.querySelectorAll("[data-hint-for]").forEach(function (el) {
      var match = el.getAttribute("data-hint-for").split(" ").indexOf(key) >= 0;
      el.hidden = !match;
      found = found || match;
    });
    return found;
  }

  // Busy from the request until htmx has processed the new card: a key in between would click a
  // button htmx has not wired yet (a full page post) or act on a card the curator has not seen.
  function setBusy(value) {
    busy = value;
    if (value) { document.documentElement.setAttribute("data-queue-busy", ""); }
    else { document.documentElement.removeAttribute("data-queue-busy"); }
  }
  document.body.addEventListener("htmx:beforeRequest", function () { setBusy(true); });
  document.body.addEventListener("htmx:afterRequest", function (ev) {
    if (!ev.detail.successful) { setBusy(false); }  // nothing will be swapped in
  });
  document.body.addEventListener("htmx:sendError", function () { setBusy(false); });
  document.body.addEventListener("htmx:afterSettle", function () {
    setBusy(false);
    var area = document.querySelector("#queue-panel textarea[autofocus]");
    if (area) { area.focus(); area.setSelectionRange(area.value.length, area.value.length); }
  });

  // The length counter while editing: the server counts (X's weighted rules, exactly what the save
  // applies), asked as the curator types; only the newest answer is shown.
  var lengthSeq = 0;
  var lengthTimer = null;
  function countLength() {
    var root = panel();
    var box = root && root.querySelector("[data-length-url]");
    var area = root && root.querySelector("textarea[name=text]");
    if (!box || !area) { return; }
    var seq = ++lengthSeq;
    var body = new URLSearchParams();
    body.append("text", area.value);
    var headers = csrfHeaders();
    headers["Content-Type"] = "application/x-www-form-urlencoded";
    box.setAttribute("data-counting", "");
    fetch(box.getAttribute("data-length-url"), { method: "POST", headers: headers, body: body, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data || seq !== lengthSeq || !box.isConnected) { return; }
        box.removeAttribute("data-counting");
        box.querySelector("[data-length-count]").textContent = data.length + "/" + data.max;
        box.querySelector("[data-length-bar]").setAttribute("width", String(Math.min(100, Math.round(100 * data.length / data.max))));
        box.classList.toggle("over", data.over);
      })
      .catch(function () {});
  }
  document.addEventListener("input", function (ev) {
    if (!ev.target || ev.target.name !== "text" || !ev.target.closest("#queue-panel")) { return; }
    clearTimeout(lengthTimer);
    lengthTimer = setTimeout(countLength, 60);
  });

  ["mousemove", "click", "scroll", "touchstart"].forEach(function (name) {
    document.addEventListener(name, function () { lastActivity = Date.now(); }, { passive: true });
  });

  // Renew the leases while the curator is active; an idle tab lets them expire for the others.
  function csrfHeaders() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}"); } catch (e) { return {}; }
  }
  if (renewUrl) {
    setInterval(function () {
      if (Date.now() - lastActivity < 60000 && panel()) {
        fetch(renewUrl, { method: "POST", headers: csrfHeaders(), credentials: "same-origin" });
      }
    }, 60000);
  }
})();
