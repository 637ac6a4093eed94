// Save without reloading the page: progressive enhancement of the _save.html forms, which work without it.
// The form's own CSRF token goes in the X-CSRF-Token header; the server answers {arxiv_id, saved} as JSON.
// No inline script anywhere (the CSP forbids it); this file may be included once per button, so it guards itself.
(function () {
  "use strict";
  if (window.dailypapersSave) return;
  window.dailypapersSave = true;

  function render(form, saved) {
    var button = form.querySelector("button");
    form.querySelector('input[name="save"]').value = saved ? "0" : "1";
    button.setAttribute("aria-pressed", saved ? "true" : "false");
    button.title = saved ? "Remove from your Saved collection" : "Save to your library";
    form.querySelector(".star").textContent = saved ? "★" : "☆";
    form.querySelector(".label").textContent = saved ? "Saved" : "Save";
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-save")) return;
    event.preventDefault();
    var button = form.querySelector("button");
    var status = form.querySelector(".save-status");
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
        throw new Error(response.status === 429 && wait ? "Too many saves; try again in " + wait + " s" : "Could not save (HTTP " + response.status + ")");
      }
      return response.json();
    }).then(function (data) {
      if (data) render(form, data.saved);
    }).catch(function (error) {
      status.textContent = error.message || "Could not save; try again";
    }).finally(function () {
      button.disabled = false;
    });
  });
})();
