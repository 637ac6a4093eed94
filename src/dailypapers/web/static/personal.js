// "Not interested" without reloading the for-you page: the forms in for_you.html through post_form.js (without
// JavaScript they POST, then redirect back). Also keeps the slider's label in step while it moves.
(function () {
  "use strict";
  if (window.dailypapersPersonal) return;
  window.dailypapersPersonal = true;

  window.dailypapersPostForm("data-not-interested", "not-interested-status", "hide the paper", function (form) {
    var card = form.closest("li.card");
    if (card) card.hidden = true;
  });

  document.addEventListener("input", function (event) {
    var slider = event.target;
    if (!(slider instanceof HTMLInputElement) || slider.id !== "trending-weight") return;
    var output = document.querySelector('output[for="trending-weight"]');
    if (output) output.textContent = slider.value + "% trending";
  });
})();
