// Save without reloading the page: the _save.html forms through post_form.js; the server answers
// {arxiv_id, saved} as JSON. This file may be included once per button, so it guards itself.
(function () {
  "use strict";
  if (window.dailypapersSave) return;
  window.dailypapersSave = true;

  window.dailypapersPostForm("data-save", ".save-status", "save", function (form, data) {
    var button = form.querySelector("button");
    form.querySelector('input[name="save"]').value = data.saved ? "0" : "1";
    button.setAttribute("aria-pressed", data.saved ? "true" : "false");
    button.title = data.saved ? "Remove from your Saved collection" : "Save to your library";
    form.querySelector(".star").textContent = data.saved ? "★" : "☆";
    form.querySelector(".label").textContent = data.saved ? "Saved" : "Save";
  });
})();
