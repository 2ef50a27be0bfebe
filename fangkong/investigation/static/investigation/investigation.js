// The investigation pages: copy the trajectory notice; pick a recorded place while typing.
// A file, not inline (Content-Security-Policy). Without it the pages work by plain forms.
(function () {
  "use strict";

  function copyButtons() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (!source) { return; }
      button.addEventListener("click", function () {
        source.focus();
        source.select();
        var done = function () { button.textContent = button.getAttribute("data-done") || button.textContent; };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(source.value).then(done, function () { document.execCommand("copy"); done(); });
        } else {
          document.execCommand("copy");
          done();
        }
      });
    });
  }

  function placeSearch() {
    var input = document.getElementById("place-q");
    var list = document.getElementById("place-results");
    if (!input || !list || !window.fetch) { return; }
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = input.value.trim();
        if (!q) { return; }
        fetch(input.getAttribute("data-api") + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (places) {
            list.querySelectorAll("label[data-found]").forEach(function (el) { el.remove(); });
            places.forEach(function (p) {
              if (list.querySelector("input[value='" + p.id + "']")) { return; }
              var label = document.createElement("label");
              label.className = "check";
              label.setAttribute("data-found", "1");
              var radio = document.createElement("input");
              radio.type = "radio"; radio.name = "place"; radio.value = String(p.id);
              label.appendChild(radio);
              label.appendChild(document.createTextNode(" " + p.name + (p.address ? " · " + p.address : "") + " · " + p.division_name));
              list.insertBefore(label, list.querySelector("label[data-new]"));
            });
          });
      }, 250);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { copyButtons(); placeSearch(); });
})();
