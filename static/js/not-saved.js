// "Not saved — try again." in any form whose htmx post failed, whichever form it is: the server
// answered with an error (the htmx-config in base.html makes 5xx and the 4xx other than 400 and 409
// errors, and swaps nothing for them), the network failed, or the request timed out. Nothing is
// swapped, so what the person typed stays in their fields; the notice (role="alert", so it is read
// out) goes at the end of the form, and leaves once a request from that form succeeds.
// The live retrospective board is swapped whenever someone else changes it: a form that failed is
// known again after a swap by its action and its first field's id (the board keeps those the same
// from one swap to the next, reviews/retro/forms.py), and gets its notice back.
(function () {
  "use strict";

  var TEXT = "Not saved — try again.";
  var failed = new Set();  // keyOf() of each form whose last post failed

  function postingForm(detail) {
    // The request's own element: `detail.elt` is where the event was fired, which is an ancestor
    // still on the page when the answer swapped the form away.
    var config = detail.requestConfig;
    var sender = config && config.verb !== "get" && config.elt;
    return sender && sender.closest ? sender.closest("form") : null;
  }

  function keyOf(form) {
    var field = form.querySelector("textarea[id], select[id], input[id]:not([type=hidden])");
    return form.getAttribute("action") + "#" + (field ? field.id : "");
  }

  function noticeIn(form) {
    return form.querySelector(":scope > .not-saved");
  }

  function show(form) {
    var notice = noticeIn(form);
    if (notice) {
      // Failed again: empty it and write it anew, so that screen readers say it again.
      notice.textContent = "";
      window.setTimeout(function () { notice.textContent = TEXT; }, 50);
      return;
    }
    notice = document.createElement("p");
    notice.className = "errors not-saved";
    notice.setAttribute("role", "alert");
    notice.textContent = TEXT;
    form.appendChild(notice);
  }

  function failedPost(event) {
    var form = postingForm(event.detail || {});
    if (!form) return;
    failed.add(keyOf(form));
    show(form);
  }

  ["htmx:responseError", "htmx:sendError", "htmx:timeout"].forEach(function (name) {
    document.addEventListener(name, failedPost);
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    // `successful` is set only when an answer came and htmx did not count it as an error.
    if (event.detail.successful !== true) return;
    var form = postingForm(event.detail);
    if (!form) return;
    failed.delete(keyOf(form));
    var notice = noticeIn(form);
    if (notice) notice.remove();
  });

  document.addEventListener("htmx:afterSettle", function () {
    if (!failed.size) return;
    document.querySelectorAll("form").forEach(function (form) {
      if (!noticeIn(form) && failed.has(keyOf(form))) show(form);
    });
  });
})();
