// Upvote without reloading the page: progressive enhancement of the _upvote.html forms, which work without it.
// The form's own CSRF token goes in the X-CSRF-Token header; the server answers {upvoted, upvotes} as JSON.
// No inline script anywhere (the CSP forbids it); this file may be included once per button, so it guards itself.
(function () {
  "use strict";
  if (window.dailypapersUpvote) return;
  window.dailypapersUpvote = true;

  function render(form, upvoted, upvotes) {
    var button = form.querySelector("button");
    form.querySelector('input[name="upvote"]').value = upvoted ? "0" : "1";
    button.setAttribute("aria-pressed", upvoted ? "true" : "false");
    button.title = upvoted ? "Withdraw your upvote" : "Upvote this paper";
    form.querySelector(".count").textContent = String(upvotes);
    form.querySelector(".unit").textContent = upvotes === 1 ? "upvote" : "upvotes";
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-upvote")) return;
    event.preventDefault();
    var button = form.querySelector("button");
    var status = form.querySelector(".upvote-status");
    if (button.disabled) return;
    button.disabled = true;
    status.textContent = "";
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: {
        "Accept": "application/json",
        "X-CSRF-Token": form.querySelector('input[name="csrf_token"]').value
      }
    }).then(function (response) {
      if (response.status === 401) {
        window.location.href = "/signin?next=" + encodeURIComponent(window.location.pathname);
        return null;
      }
      if (!response.ok) {
        var wait = response.headers.get("Retry-After");
        throw new Error(response.status === 429 && wait ? "Too many votes; try again in " + wait + " s" : "Could not vote (HTTP " + response.status + ")");
      }
      return response.json();
    }).then(function (data) {
      if (data) render(form, data.upvoted, data.upvotes);
    }).catch(function (error) {
      status.textContent = error.message || "Could not vote; try again";
    }).finally(function () {
      button.disabled = false;
    });
  });
})();
