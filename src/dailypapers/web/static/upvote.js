// Upvote without reloading the page: the _upvote.html forms through post_form.js; the server answers
// {upvoted, upvotes} as JSON. This file may be included once per button, so it guards itself.
(function () {
  "use strict";
  if (window.dailypapersUpvote) return;
  window.dailypapersUpvote = true;

  window.dailypapersPostForm("data-upvote", ".upvote-status", "vote", function (form, data) {
    var button = form.querySelector("button");
    form.querySelector('input[name="upvote"]').value = data.upvoted ? "0" : "1";
    button.setAttribute("aria-pressed", data.upvoted ? "true" : "false");
    button.title = data.upvoted ? "Withdraw your upvote" : "Upvote this paper";
    form.querySelector(".count").textContent = String(data.upvotes);
    form.querySelector(".unit").textContent = data.upvotes === 1 ? "upvote" : "upvotes";
  });
})();
