// The portal: a new verification code (or the question instead) without leaving the form, so
// nothing typed is lost; legend swatches coloured from their data-colour (no inline styles).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-captcha-refresh]");
    if (!link) { return; }
    event.preventDefault();
    fetch(link.href, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var box = document.getElementById("captcha-box");
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("captcha-box");
        if (box && fresh) { box.replaceWith(document.importNode(fresh, true)); }
        var input = document.getElementById("id_captcha_1");
        if (input) { input.focus(); }
      });
  });
})();
