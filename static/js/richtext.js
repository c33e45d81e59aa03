// The article body written as a page, not as HTML: a textarea marked data-richtext becomes an
// editable area with a toolbar (the toolbar's buttons are in the page, translated, hidden
// until this script shows them). The textarea stays the form's field: it holds the HTML,
// updated on every change, and the server keeps only what is allowed (portal/richtext.py).
// Without JavaScript the textarea is there as before. "HTML" shows the source for the few
// who want it.
(function () {
  "use strict";

  // The HTML put into the editable area: parsed in a document of its own (DOMParser: it runs
  // nothing, loads nothing), scripts, styles and event handlers dropped before any of it joins
  // the page. The server sanitises what is saved; this keeps a body sent back with a form
  // error from acting in the editor's own page.
  function fill(area, html) {
    var parsed = new DOMParser().parseFromString(html, "text/html").body;
    parsed.querySelectorAll("script, style, iframe, object, embed").forEach(function (node) { node.remove(); });
    parsed.querySelectorAll("*").forEach(function (node) {
      Array.prototype.slice.call(node.attributes).forEach(function (attribute) {
        var name = attribute.name.toLowerCase();
        var value = attribute.value.trim().toLowerCase();
        if (name.indexOf("on") === 0 || name === "style" || ((name === "href" || name === "src") && value.indexOf("javascript:") === 0)) {
          node.removeAttribute(attribute.name);
        }
      });
    });
    area.replaceChildren.apply(area, Array.prototype.slice.call(parsed.childNodes).map(function (node) { return document.importNode(node, true); }));
  }

  function setUp(textarea) {
    var toolbar = document.getElementById(textarea.id + "-toolbar");
    if (!toolbar) { return; }
    var area = document.createElement("div");
    area.className = "form-control richtext-area";
    area.contentEditable = "true";
    area.setAttribute("role", "textbox");
    area.setAttribute("aria-multiline", "true");
    area.setAttribute("aria-label", textarea.getAttribute("data-richtext-label") || "");
    area.setAttribute("data-testid", "richtext-area");
    fill(area, textarea.value);
    textarea.insertAdjacentElement("beforebegin", area);
    area.insertAdjacentElement("beforebegin", toolbar);
    textarea.hidden = true;
    toolbar.hidden = false;
    document.execCommand("defaultParagraphSeparator", false, "p");

    function save() { textarea.value = area.innerHTML; }
    area.addEventListener("input", save);
    area.addEventListener("blur", save);
    if (textarea.form) { textarea.form.addEventListener("submit", function () { if (!textarea.hidden) { return; } save(); }); }

    toolbar.addEventListener("mousedown", function (event) {
      // Keep the selection in the text while a button is pressed.
      if (event.target.closest("button[data-command]")) { event.preventDefault(); }
    });
    toolbar.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-command]");
      if (!button) { return; }
      event.preventDefault();
      var command = button.getAttribute("data-command");
      if (command === "source") {
        var showing = textarea.hidden;
        if (showing) { save(); } else { fill(area, textarea.value); }
        textarea.hidden = !showing;
        area.hidden = showing;
        button.setAttribute("aria-pressed", showing ? "true" : "false");
        // While the source is shown the formatting buttons would act on the hidden page and
        // write it over the source being edited: they wait.
        toolbar.querySelectorAll("button[data-command]").forEach(function (other) {
          if (other !== button) { other.disabled = showing; }
        });
        return;
      }
      if (!textarea.hidden) { return; }
      area.focus();
      if (command === "createLink") {
        var address = window.prompt(button.getAttribute("data-prompt") || "URL", "https://");
        if (!address || address === "https://") { return; }
        document.execCommand("createLink", false, address);
      } else if (command === "formatBlock") {
        document.execCommand("formatBlock", false, button.getAttribute("data-value"));
      } else {
        document.execCommand(command, false, null);
      }
      save();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[data-richtext]").forEach(setUp);
  });
})();
