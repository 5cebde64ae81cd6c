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
  });
})();
