// The in-place POST the buttons share, and the upvote and save buttons (templates/_upvote.html, _save.html) that use
// it; personal.js uses it too. Progressive enhancement of forms that work without it: base.html loads this file once
// per page (deferred), however many buttons the page has. The form's own CSRF token goes in the X-CSRF-Token header;
// 401 goes to sign-in; a 429 says when to try again. No inline script anywhere (the CSP forbids it).
(function () {
  "use strict";
  if (window.dailypapersPostForm) return;

  // The form's status line, where errors show (and are announced): the page sends none, to keep its buttons small,
  // so it is added to each form when the script starts, before any click, as a live region must be.
  function statusOf(form, statusClass) {
    var status = form.querySelector("." + statusClass);
    if (!status) {
      status = document.createElement("span");
      status.className = statusClass;
      status.setAttribute("role", "status");
      status.setAttribute("aria-live", "polite");
      form.appendChild(status);
    }
    return status;
  }

  // Submit forms carrying `attribute` by fetch; `onData(form, json)` on success. `verb` words the errors
  // ("vote" → "Could not vote"); `statusClass` names the element in the form that shows them (made when missing).
  window.dailypapersPostForm = function (attribute, statusClass, verb, onData) {
    Array.prototype.forEach.call(document.querySelectorAll("form[" + attribute + "]"), function (form) {
      statusOf(form, statusClass);
    });
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement) || !form.hasAttribute(attribute)) return;
      event.preventDefault();
      var button = form.querySelector("button");
      var status = statusOf(form, statusClass);
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

  // Upvote: the server answers {upvoted, upvotes}.
  window.dailypapersPostForm("data-upvote", "upvote-status", "vote", function (form, data) {
    var button = form.querySelector("button");
    form.querySelector('input[name="upvote"]').value = data.upvoted ? "0" : "1";
    button.setAttribute("aria-pressed", data.upvoted ? "true" : "false");
    button.title = data.upvoted ? "Withdraw your upvote" : "Upvote this paper";
    form.querySelector(".count").textContent = String(data.upvotes);
    form.querySelector(".unit").textContent = data.upvotes === 1 ? "upvote" : "upvotes";
  });

  // Save: the server answers {arxiv_id, saved}.
  window.dailypapersPostForm("data-save", "save-status", "save", function (form, data) {
    var button = form.querySelector("button");
    form.querySelector('input[name="save"]').value = data.saved ? "0" : "1";
    button.setAttribute("aria-pressed", data.saved ? "true" : "false");
    button.title = data.saved ? "Remove from your Saved collection" : "Save to your library";
    form.querySelector(".star").textContent = data.saved ? "★" : "☆";
    form.querySelector(".label").textContent = data.saved ? "Saved" : "Save";
  });
})();
