// The fever clinic's decision form: the case report's fields show only for a suspected case
// (or when one of them holds an error to correct).
(function () {
  var form = document.querySelector(".decision-form");
  var box = document.getElementById("case-fields");
  if (!form || !box) return;
  function show() {
    var chosen = form.querySelector("input[name=decision]:checked");
    var suspected = chosen && chosen.value === "suspected";
    box.hidden = !suspected && !box.querySelector(".has-error");
  }
  form.addEventListener("change", show);
  show();
})();
