// Every page (templates/base.html): a table box that scrolls sideways (.table-scroll) is made
// reachable with the keyboard while it scrolls: focusable (tabindex 0), a region named after
// its table's caption (or the heading before it), so that a keyboard user can scroll it with the arrow keys. A file, not
// an inline script (the Content-Security-Policy allows none). Without JavaScript the box still
// scrolls (and recent browsers let the keyboard reach it by themselves).
"use strict";
(function () {
  var boxes = document.querySelectorAll(".table-scroll");
  if (!boxes.length) return;

  function name(box, n) {
    if (box.hasAttribute("aria-label") || box.hasAttribute("aria-labelledby")) return;
    var table = box.querySelector("table");
    var caption = table && table.querySelector("caption");
    if (caption) {
      if (!caption.id) caption.id = "table-scroll-caption-" + n;
      box.setAttribute("aria-labelledby", caption.id);
    } else if (table && table.getAttribute("aria-labelledby")) {
      box.setAttribute("aria-labelledby", table.getAttribute("aria-labelledby"));
    } else if (table && table.getAttribute("aria-label")) {
      box.setAttribute("aria-label", table.getAttribute("aria-label"));
    } else {
      var heading = box.previousElementSibling; // else the heading just before the box
      while (heading && !/^H[1-6]$/.test(heading.tagName)) heading = heading.previousElementSibling;
      if (!heading) return;
      if (!heading.id) heading.id = "table-scroll-heading-" + n;
      box.setAttribute("aria-labelledby", heading.id);
    }
    box.setAttribute("data-named-by-script", "");
  }

  function fit() {
    Array.prototype.forEach.call(boxes, function (box, n) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("data-focusable-by-script", "");
        name(box, n);
        var named = box.hasAttribute("aria-label") || box.hasAttribute("aria-labelledby");
        if (named && !box.hasAttribute("role")) box.setAttribute("role", "region");
      } else if (!scrolls && box.hasAttribute("data-focusable-by-script")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("data-focusable-by-script");
        if (box.hasAttribute("data-named-by-script")) {
          box.removeAttribute("aria-labelledby");
          box.removeAttribute("aria-label");
          box.removeAttribute("data-named-by-script");
        }
      }
    });
  }

  var pending = null;
  window.addEventListener("resize", function () {
    if (pending) window.cancelAnimationFrame(pending);
    pending = window.requestAnimationFrame(fit);
  });
  fit();
})();
