// The Copy button of the recovery-codes page: copies the shown codes, one per line.
// A file, not an inline script: the Content-Security-Policy allows no inline script.
// Without JavaScript (or clipboard access) the button stays hidden: Download does the same.
"use strict";
(function () {
  var button = document.getElementById("copy-recovery-codes");
  if (!button || !navigator.clipboard) {
    return;
  }
  var list = document.getElementById(button.getAttribute("data-codes"));
  var done = document.getElementById("copy-recovery-codes-done");
  button.hidden = false;
  button.addEventListener("click", function () {
    var codes = Array.prototype.map.call(list.querySelectorAll("li"), function (item) {
      return item.textContent.trim();
    });
    navigator.clipboard.writeText(codes.join("\n") + "\n").then(
      function () { done.textContent = button.getAttribute("data-copied") || "Copied."; },
      function () { done.textContent = button.getAttribute("data-copy-failed") || "Could not copy: select the codes, or use Download."; }
    );
  });
})();
