// The one in-place POST the buttons share (upvote.js, save.js, personal.js): progressive enhancement of forms that
// work without it. The form's own CSRF token goes in the X-CSRF-Token header; 401 goes to sign-in; a 429 says when
// to try again. No inline script anywhere (the CSP forbids it). base.html loads it before the scripts that use it.
(function () {
  "use strict";
  if (window.dailypapersPostForm) return;

  // Submit forms carrying `attribute` by fetch; `onData(form, json)` on success. `verb` words the errors
  // ("vote" → "Could not vote"); `statusSelector` names the element in the form that shows them.
  window.dailypapersPostForm = function (attribute, statusSelector, verb, onData) {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement) || !form.hasAttribute(attribute)) return;
      event.preventDefault();
      var button = form.querySelector("button");
      var status = form.querySelector(statusSelector);
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
          throw new Error(response.status === 429 && wait
            ? "Too many requests; try again in " + wait + " s"
            : "Could not " + verb + " (HTTP " + response.status + ")");
        }
        return response.json();
      }).then(function (data) {
        if (data) onData(form, data);
      }).catch(function (error) {
        status.textContent = error.message || "Could not " + verb + "; try again";
      }).finally(function () {
        button.disabled = false;
      });
    });
  };
})();
