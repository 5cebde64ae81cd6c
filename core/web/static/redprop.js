/* redprop pages: the little behaviour htmx does not cover. Every page works without it. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  // switchers submit as soon as a tenant or compound is picked (without script, their button does)
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field instanceof HTMLSelectElement && field.hasAttribute("data-autosubmit") && field.form) {
      field.form.requestSubmit ? field.form.requestSubmit() : field.form.submit();
    }
  });
  // on a phone the console's menu starts folded, so the page comes first
  document.addEventListener("DOMContentLoaded", function () {
    if (window.matchMedia("(max-width: 860px)").matches) {
      document.querySelectorAll(".sidebar details[open]").forEach(function (menu) { menu.open = false; });
    }
    prepare(document);
  });
  // tables (also those htmx swaps in): below 600 px each row becomes a card whose cells say their column
  // (data-label from the header, shown by the stylesheet), and a scrolling wrapper can be reached and
  // scrolled with the keyboard and is named for screen readers
  document.addEventListener("htmx:load", function (event) { prepare(event.target); });
  function text(node) { return node ? node.textContent.replace(/\s+/g, " ").trim() : ""; }
  function prepare(root) {
    if (!root || !root.querySelectorAll) { return; }
    var tables = Array.prototype.slice.call(root.querySelectorAll("table"));
    if (root.tagName === "TABLE") { tables.push(root); }
    tables.forEach(function (table) {
      var head = table.tHead && table.tHead.rows.length ? table.tHead.rows[table.tHead.rows.length - 1] : null;
      if (!head) { return; }
      var labels = [];
      Array.prototype.forEach.call(head.cells, function (cell) {
        for (var i = 0; i < (cell.colSpan || 1); i++) { labels.push(text(cell)); }
      });
      Array.prototype.forEach.call(table.tBodies, function (body) {
        Array.prototype.forEach.call(body.rows, function (row) {
          var col = 0;
          Array.prototype.forEach.call(row.cells, function (cell) {
            if (!cell.hasAttribute("data-label") && labels[col]) { cell.setAttribute("data-label", labels[col]); }
            col += cell.colSpan || 1;
          });
        });
      });
      table.classList.add("cards-sm");
    });
    var wraps = Array.prototype.slice.call(root.querySelectorAll(".table-wrap"));
    if (root.classList && root.classList.contains("table-wrap")) { wraps.push(root); }
    wraps.forEach(function (wrap) {
      if (wrap.hasAttribute("tabindex")) { return; }
      var table = wrap.querySelector("table");
      var name = table && (table.getAttribute("aria-label") || text(table.caption));
      if (!name) {
        var heading = wrap.closest("section, .card, main");
        heading = heading && heading.querySelector("h1, h2, h3");
        name = text(heading) || document.title;
      }
      wrap.setAttribute("tabindex", "0");
      wrap.setAttribute("role", "region");
      wrap.setAttribute("aria-label", name);
    });
  }
})();
/* Refused forms and irreversible actions (issue 15, points 7 and 8). */
(function () {
  "use strict";
  // a refused form keeps what was typed: each error goes beside its field, which is marked invalid
  document.addEventListener("htmx:afterSwap", function (event) {
    var box = event.detail && event.detail.target;
    if (!box || !box.classList || !box.classList.contains("form-error")) { return; }
    var form = box.closest("form");
    if (!form) { return; }
    form.querySelectorAll(".field-error[data-placed]").forEach(function (old) { old.remove(); });
    form.querySelectorAll("[aria-invalid]").forEach(function (old) { old.removeAttribute("aria-invalid"); });
    box.querySelectorAll("[data-field]").forEach(function (item, n) {
      var input = form.querySelector("[name=\"" + item.getAttribute("data-field").replace(/["\\]/g, "") + "\"]");
      if (!input) { return; }
      var note = document.createElement("small");
      note.className = "field-error";
      note.id = "field-error-" + n;
      note.setAttribute("data-placed", "");
      note.textContent = item.textContent;
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", note.id);
      (input.closest(".field") || input.parentNode).appendChild(note);
      item.hidden = true;
      if (n === 0) { input.focus(); }
    });
  });
  // a button with data-confirm asks first, in a dialog saying what will happen; the server asks again without script
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("button[data-confirm]") : null;
    if (!button || !button.form || typeof HTMLDialogElement === "undefined") { return; }
    event.preventDefault();
    var dialog = document.getElementById("confirm-dialog");
    if (!dialog) { return; }
    dialog.querySelector("[data-confirm-text]").textContent = button.getAttribute("data-confirm");
    dialog.returnValue = "";
    dialog.onclose = function () {
      if (dialog.returnValue !== "yes") { return; }
      var mark = document.createElement("input");
      mark.type = "hidden";
      mark.name = "_confirmed";
      mark.value = "yes";
      button.form.appendChild(mark);
      if (button.form.requestSubmit) { button.form.requestSubmit(button); } else { button.form.submit(); }
      window.setTimeout(function () { mark.remove(); }, 0);
    };
    dialog.showModal();
  });
})();
