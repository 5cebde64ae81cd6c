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
