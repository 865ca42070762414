// veille's web page works without this file; it only saves keystrokes.
// Loaded from the server itself: the page's Content-Security-Policy runs
// no other script, and no inline one.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  document.body.dataset.script = "ready";
  const box = document.getElementById("q");

  // "/" jumps to the search box, as in most search tools.
  document.addEventListener("keydown", (event) => {
    const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
    if (event.key === "/" && box && !typing) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  });

  // Changing the sort or a date reruns the search.
  for (const field of document.querySelectorAll("form.search select, form.search input[type=date]")) {
    field.addEventListener("change", () => field.form.requestSubmit());
  }
});
