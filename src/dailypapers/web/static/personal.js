// "Not interested" without reloading the for-you page: progressive enhancement of the forms in for_you.html,
// which work without it (POST, then a redirect back). The form's CSRF token goes in the X-CSRF-Token header.
// Also keeps the slider's label in step while it moves. No inline script anywhere (the CSP forbids it).
(function () {
  "use strict";
  if (window.dailypapersPersonal) return;
  window.dailypapersPersonal = true;

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-not-interested")) return;
    event.preventDefault();
    var button = form.querySelector("button");
    var status = form.querySelector(".not-interested-status");
    if (button.disabled) return;
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: {"Accept": "application/json", "X-CSRF-Token": form.querySelector('input[name="csrf_token"]').value}
    }).then(function (response) {
      if (!response.ok) throw new Error("Could not hide the paper (HTTP " + response.status + ")");
      var card = form.closest("li.card");
      if (card) card.hidden = true;
    }).catch(function (error) {
      status.textContent = error.message;
      button.disabled = false;
    });
  });

  document.addEventListener("input", function (event) {
    var slider = event.target;
    if (!(slider instanceof HTMLInputElement) || slider.id !== "trending-weight") return;
    var output = document.querySelector('output[for="trending-weight"]');
    if (output) output.textContent = slider.value + "% trending";
  });
})();
