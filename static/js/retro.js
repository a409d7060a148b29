// The live retrospective board (templates/reviews/retro/session.html).
// - The timer counts down every second to the end instant the server stored, measured against the
//   server's clock when the board was rendered (so a wrong clock on this computer does not matter).
// - A poll of the live endpoint waits while someone has a menu open or a list open to choose from,
//   so a swap never closes it under them (what they type is kept by hx-preserve instead).
// - After a post from a prompt or a theme, the focus goes back to that prompt's or theme's first field,
//   and a phase change is announced to screen readers.
(function () {
  "use strict";

  document.documentElement.classList.add("js");
  var offsets = new WeakMap();  // timer element → server time minus this computer's time, in ms

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function tick() {
    document.querySelectorAll(".timer[data-ends-at]").forEach(function (timer) {
      if (!offsets.has(timer)) {
        offsets.set(timer, Date.parse(timer.dataset.serverNow) - Date.now());
      }
      var left = Math.max(0, Math.round((Date.parse(timer.dataset.endsAt) - (Date.now() + offsets.get(timer))) / 1000));
      var clock = timer.querySelector(".timer-clock");
      var text = left > 0 ? Math.floor(left / 60) + ":" + pad(left % 60) : "Time is up";
      if (clock && clock.textContent !== text) clock.textContent = text;
      timer.classList.toggle("is-up", left === 0);
    });
  }
  window.setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSettle", tick);

  function announce(text) {
    var region = document.getElementById("announcer");
    if (!region) return;
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  var focusAfter = null;  // id of the prompt or theme whose form was just sent
  var phaseBefore = null;

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    var board = document.getElementById("board");
    if (!board) return;
    phaseBefore = board.dataset.phase;
    if (elt.id === "board-poll") {
      // The poll: not while a choice is open on this board.
      var active = document.activeElement;
      if (board.querySelector("details[open].move, details[open].rename") ||
          (active && active.tagName === "SELECT" && board.contains(active))) {
        event.preventDefault();
      }
      return;
    }
    var holder = elt.closest && elt.closest("[data-focus-after]");
    focusAfter = holder ? holder.id : null;
  });

  document.addEventListener("htmx:afterSettle", function () {
    var board = document.getElementById("board");
    if (!board) return;
    if (phaseBefore && board.dataset.phase !== phaseBefore) {
      announce("The session moved on to " + board.dataset.phase);
    }
    phaseBefore = board.dataset.phase;
    if (focusAfter) {
      var holder = document.getElementById(focusAfter);
      var field = holder && holder.querySelector("textarea, input[type=text]");
      if (field && !holder.contains(document.activeElement)) field.focus();
      focusAfter = null;
    }
  });
})();
