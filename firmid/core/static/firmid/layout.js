// The Administration application's left bar on a narrow screen (a tablet held upright, a phone):
// at 900 px or less a "Menu" button shows or hides the links. A file, not an inline script (the
// Content-Security-Policy allows none). Without JavaScript the button stays hidden and the links
// stay listed above the content (site.css), so nothing depends on this file.
"use strict";
(function () {
  var nav = document.getElementById("side-nav");
  if (!nav) return;
  var button = nav.querySelector(".side-toggle");
  var links = document.getElementById(button && button.getAttribute("aria-controls"));
  if (!button || !links) return;
  var narrow = window.matchMedia("(max-width: 900px)");

  function show(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    links.hidden = !open;
  }

  function fit() {
    if (narrow.matches) {
      button.hidden = false;
      show(false); // folded away until asked for: the content comes first
    } else {
      button.hidden = true;
      show(true);
    }
  }

  nav.classList.add("collapsible");
  button.addEventListener("click", function () {
    show(button.getAttribute("aria-expanded") !== "true"); // the focus stays on the button
  });
  // Escape closes the open menu and gives the focus back to its button.
  nav.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && narrow.matches && button.getAttribute("aria-expanded") === "true") {
      show(false);
      button.focus();
    }
  });
  if (narrow.addEventListener) narrow.addEventListener("change", fit);
  else if (narrow.addListener) narrow.addListener(fit);
  fit();
})();
