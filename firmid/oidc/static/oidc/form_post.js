// Submit the authorization response to the application at once (OAuth 2.0 Form Post
// Response Mode). A file, not an inline script: the Content-Security-Policy allows no inline
// script. Without JavaScript the page's Continue button does the same.
"use strict";
(function () {
  var form = document.getElementById("firmid-form-post");
  if (form) {
    HTMLFormElement.prototype.submit.call(form);
  }
})();
