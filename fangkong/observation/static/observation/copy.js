// The observation page: copy the personal check-in link. A file, not inline (Content-Security-Policy).
(function () {
  "use strict";

  function copied(button) {
    button.setAttribute("data-copied", "1");
    button.textContent = button.getAttribute("data-done") || button.textContent;
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      var input = document.getElementById(button.getAttribute("data-copy"));
      if (!input) { return; }
      input.addEventListener("focus", function () { input.select(); });
      button.addEventListener("click", function () {
        input.focus();
        input.select();
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(input.value).then(
            function () { copied(button); },
            function () { document.execCommand("copy"); copied(button); }
          );
        } else {
          document.execCommand("copy");
          copied(button);
        }
      });
    });
  });
})();
