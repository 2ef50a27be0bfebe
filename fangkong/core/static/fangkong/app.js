// Fangkong page behaviour. Loaded as a file (no inline scripts: Content-Security-Policy).
(function () {
  "use strict";

  // The phone menu: the button opens and closes the navigation; Escape or a tap outside the
  // header closes it again. On a desktop the navigation is always shown (app.css).
  function setUpMenu() {
    var toggle = document.querySelector(".menu-toggle");
    var nav = document.getElementById("mainnav");
    if (!toggle || !nav) { return; }
    function setOpen(open) {
      nav.classList.toggle("open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    }
    toggle.addEventListener("click", function () {
      setOpen(!nav.classList.contains("open"));
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && nav.classList.contains("open")) {
        setOpen(false);
        toggle.focus();
      }
    });
    document.addEventListener("click", function (event) {
      if (nav.classList.contains("open") && !event.target.closest(".topbar")) { setOpen(false); }
    });
  }

  // Mark the navigation entry of the current page (the longest matching path wins, so /staff/7/
  // marks "Grid staff" and a division page marks "Home" only when it is the home page itself).
  function markCurrent() {
    var here = window.location.pathname;
    var best = null;
    var bestLength = 0;
    document.querySelectorAll("#mainnav a[href]").forEach(function (a) {
      var path = new URL(a.href, window.location.href).pathname;
      var matches = path === "/" ? here === "/" : here.indexOf(path) === 0;
      if (matches && path.length > bestLength) { best = a; bestLength = path.length; }
    });
    if (best) { best.setAttribute("aria-current", "page"); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpMenu();
    markCurrent();
    // htmx requests carry the CSRF token of the page's forms (the cookie is HttpOnly).
    document.body.addEventListener("htmx:configRequest", function (event) {
      var token = document.querySelector("input[name=csrfmiddlewaretoken]");
      if (token) { event.detail.headers["X-CSRFToken"] = token.value; }
    });
  });
})();
