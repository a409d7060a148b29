// Keyboard and screen-reader care for the charter's inline editors (htmx swaps).
// - An editor that opens gets the focus on its first field (or the first field in error).
// - Saving or cancelling puts the focus back on the section; a save is announced ("Saved").
// - Esc in an editor cancels it.
(function () {
  "use strict";

  function announce(text) {
    var region = document.getElementById("announcer");
    if (!region) return;
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  function focusHeading(section) {
    var heading = section.querySelector("h2") || section;
    if (!heading.hasAttribute("tabindex")) heading.setAttribute("tabindex", "-1");
    heading.focus();
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (!target) return;
    // An outerHTML swap replaces the target: find what took its place by id.
    var element = target.isConnected ? target : (target.id && document.getElementById(target.id));
    if (!element) return;
    var editor = element.matches(".edit-form") ? element : element.querySelector(".edit-form");
    if (editor) {
      var field = editor.querySelector(".has-error input, .has-error textarea, .has-error select") ||
        editor.querySelector("input:not([type=hidden]), textarea, select");
      if (field) field.focus();
      return;
    }
    var section = element.closest(".charter-section");
    if (section) {
      focusHeading(section);
      var verb = event.detail.requestConfig && event.detail.requestConfig.verb;
      if (verb === "post") announce("Saved");
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !event.target.closest) return;
    var editor = event.target.closest(".edit-form");
    var cancel = editor && editor.querySelector("a.cancel");
    if (cancel) {
      event.preventDefault();
      cancel.click();
    }
  });
})();
