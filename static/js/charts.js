// Dashboards: show a chart mark's value on hover and on keyboard focus (the value is also in
// the mark's <title> and in the table beside the chart), colour legend swatches from their
// data-colour (no inline styles under the CSP), and print the page from its button.
(function () {
  "use strict";
  var tip = null;
  function show(target, x, y) {
    if (!tip) {
      tip = document.createElement("div");
      tip.className = "chart-tip";
      tip.setAttribute("role", "status");
      tip.setAttribute("data-testid", "chart-tip");
      document.body.appendChild(tip);
    }
    tip.textContent = target.getAttribute("data-tip");
    tip.hidden = false;
    var left = Math.min(x + 12, window.innerWidth - tip.offsetWidth - 8);
    tip.style.left = Math.max(8, left) + "px";
    tip.style.top = Math.max(8, y - tip.offsetHeight - 10) + "px";
  }
  function hide() { if (tip) { tip.hidden = true; } }
  document.addEventListener("mouseover", function (event) {
    var target = event.target.closest && event.target.closest("[data-tip]");
    if (target) { show(target, event.clientX, event.clientY); } else { hide(); }
  });
  document.addEventListener("mousemove", function (event) {
    var target = event.target.closest && event.target.closest("[data-tip]");
    if (target && tip && !tip.hidden) { show(target, event.clientX, event.clientY); }
  });
  document.addEventListener("focusin", function (event) {
    var target = event.target.closest && event.target.closest("[data-tip]");
    if (target) {
      var box = target.getBoundingClientRect();
      show(target, box.left + box.width / 2, box.top);
    }
  });
  document.addEventListener("focusout", hide);
  function ready() {
    document.querySelectorAll(".swatch[data-colour]").forEach(function (swatch) {
      swatch.style.background = swatch.getAttribute("data-colour");
    });
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", ready); } else { ready(); }
})();
