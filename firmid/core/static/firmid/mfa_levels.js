// The Authentication and security tab: show a type's "Mandatory from" date only while its
// Mandatory level is chosen. A file, not an inline script (the Content-Security-Policy allows
// none). Without JavaScript the date stays visible, and a date with another level is ignored.
"use strict";
(function () {
  var rows = document.querySelectorAll(".mfa-settings [data-level-field]");
  Array.prototype.forEach.call(rows, function (row) {
    var radios = document.querySelectorAll('input[type="radio"][name="' + row.dataset.levelField + '"]');
    function update() {
      var mandatory = document.querySelector(
        'input[type="radio"][name="' + row.dataset.levelField + '"][value="mandatory"]'
      );
      row.hidden = !(mandatory && mandatory.checked);
    }
    Array.prototype.forEach.call(radios, function (radio) {
      radio.addEventListener("change", update);
    });
    update();
  });
})();
