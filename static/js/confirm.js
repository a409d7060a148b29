// Asking before an action that cannot be undone (alignment/confirm.py). A form, or the button that
// sends it, with data-confirm="the question" (and data-confirm-yes, data-confirm-detail) is held back
// when sent: a native <dialog> asks the question. "Yes, …" adds the confirmation field and sends the
// form again exactly as it would have gone (htmx's or the browser's own post), so the server acts at
// once; "Cancel" or Escape sends nothing and puts the focus back on the button. Without this script the
// server asks the same question on a page of its own.
// The listener runs in the capture phase on the document, before htmx's own listener on the form.
(function () {
  "use strict";

  var FIELD = "confirmed";
  var YES = "yes";
  var dialog, title, detail, yesButton;
  var pending = null;  // {form, submitter} waiting for an answer

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-dialog-title");
    dialog.setAttribute("aria-describedby", "confirm-dialog-detail");
    var form = document.createElement("form");
    form.method = "dialog";
    title = document.createElement("h2");
    title.id = "confirm-dialog-title";
    detail = document.createElement("p");
    detail.id = "confirm-dialog-detail";
    var actions = document.createElement("p");
    actions.className = "confirm-actions";
    yesButton = document.createElement("button");
    yesButton.value = YES;
    yesButton.className = "danger";
    var cancel = document.createElement("button");
    cancel.value = "cancel";
    cancel.className = "secondary";
    cancel.textContent = "Cancel";
    cancel.autofocus = true;  // the safe answer is the one a stray Enter gives
    actions.append(yesButton, " ", cancel);
    form.append(title, detail, actions);
    dialog.append(form);
    document.body.append(dialog);
    dialog.addEventListener("close", answered);
  }

  function confirmedAlready(form) {
    var field = form.querySelector("input[name=" + FIELD + "]");
    return field !== null && field.value === YES;
  }

  function ask(form, submitter) {
    var source = submitter && submitter.dataset.confirm ? submitter : form;
    if (!dialog) build();
    title.textContent = source.dataset.confirm;
    detail.textContent = source.dataset.confirmDetail || "";
    detail.hidden = !detail.textContent;
    yesButton.textContent = source.dataset.confirmYes || "Yes";
    dialog.returnValue = "";
    pending = {form: form, submitter: submitter};
    dialog.showModal();
  }

  function answered() {
    var asked = pending;
    pending = null;
    if (!asked) return;
    if (dialog.returnValue !== YES) {
      if (asked.submitter && asked.submitter.isConnected) asked.submitter.focus();
      return;
    }
    var form = asked.form;
    if (!form.isConnected) {
      // The live board was swapped while the question was open: the same form, drawn anew.
      form = document.querySelector("form[data-confirm][action=\"" + CSS.escape(form.getAttribute("action")) + "\"]");
      if (!form) return;
    }
    var submitter = asked.submitter && asked.submitter.form === form ? asked.submitter : null;
    var field = document.createElement("input");
    field.type = "hidden";
    field.name = FIELD;
    field.value = YES;
    form.append(field);
    form.requestSubmit(submitter);
    // The values are read while the form is sent; the form, if it stays on the page, asks again next time.
    window.setTimeout(function () { field.remove(); }, 0);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var asks = (submitter && submitter.dataset && submitter.dataset.confirm) || form.dataset.confirm;
    if (!asks || confirmedAlready(form)) return;
    event.preventDefault();
    event.stopPropagation();
    ask(form, submitter);
  }, true);
})();
