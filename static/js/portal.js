// The portal: a new verification code (or the question instead) without leaving the form, so
// nothing typed is lost; legend swatches coloured from their data-colour (no inline styles).
(function () {
  "use strict";
  function load(url, focus) {
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var box = document.getElementById("captcha-box");
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("captcha-box");
        if (box && fresh) { box.replaceWith(document.importNode(fresh, true)); }
        var input = document.getElementById("id_captcha_1");
        if (input && focus) { input.focus(); }
      });
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-captcha-refresh]");
    if (!link) { return; }
    event.preventDefault();
    load(link.getAttribute("data-href") || link.href, true);
  });
  // The code is made when the reader starts writing, not for every reader of the page.
  document.addEventListener("focusin", function (event) {
    var form = event.target.closest && event.target.closest("form");
    var lazy = form && form.querySelector("[data-captcha-lazy]");
    if (lazy && !lazy.dataset.loading) {
      lazy.dataset.loading = "1";
      load(lazy.getAttribute("data-captcha-lazy"), false);
    }
  });
})();
