// Fangkong page behaviour. Loaded as a file (no inline scripts: Content-Security-Policy).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.querySelector(".menu-toggle");
    var nav = document.getElementById("mainnav");
    if (toggle && nav) {
      toggle.addEventListener("click", function () {
        var open = nav.classList.toggle("open");
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
      });
    }
    // htmx requests carry the CSRF token from the cookie-less form token on the page.
    document.body.addEventListener("htmx:configRequest", function (event) {
      var token = document.querySelector("input[name=csrfmiddlewaretoken]");
      if (token) { event.detail.headers["X-CSRFToken"] = token.value; }
    });
  });
})();
