// Every date field says the date it holds as the page's language writes it, beside the field
// ("Thứ Hai, 05/01/2026"): the browser's own date field follows the browser's language, and in
// an English Chrome reads 01/05/2026 for the fifth of January. The note is written by the
// browser's own Intl (no text to translate), for fields on the page and those htmx brings.
(function () {
  "use strict";
  var lang = document.documentElement.lang || "vi";
  var format = new Intl.DateTimeFormat(lang === "en" ? "en-GB" : lang, {
    weekday: "long", day: "2-digit", month: "2-digit", year: "numeric", timeZone: "UTC"
  });
  var ISO = /^(\d{4})-(\d{2})-(\d{2})$/;

  function spell(input) {
    var anchor = input.closest(".input-group") || input;
    var note = anchor.nextElementSibling;
    if (!note || !note.classList.contains("date-spelled")) {
      note = document.createElement("span");
      note.className = "date-spelled form-text d-block";
      note.setAttribute("aria-live", "polite");
      note.setAttribute("data-testid", "date-spelled");
      anchor.insertAdjacentElement("afterend", note);
    }
    var parts = ISO.exec(input.value);
    note.textContent = parts
      ? format.format(new Date(Date.UTC(+parts[1], +parts[2] - 1, +parts[3])))
      : "";
  }

  function spellAll(root) {
    if (root.matches && root.matches('input[type="date"]')) {
      spell(root);
    } else if (root.querySelectorAll) {
      root.querySelectorAll('input[type="date"]').forEach(spell);
    }
  }

  function onEdit(event) {
    if (event.target.matches && event.target.matches('input[type="date"]')) {
      spell(event.target);
    }
  }

  document.addEventListener("input", onEdit);
  document.addEventListener("change", onEdit);
  document.addEventListener("htmx:load", function (event) { spellAll(event.detail.elt); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { spellAll(document); });
  } else {
    spellAll(document);
  }
})();
