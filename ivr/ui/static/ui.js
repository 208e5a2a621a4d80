// Little JavaScript: the page works without it. It shows only the questions that
// apply on the opt-out form, and the upload's progress on the scrub form.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("optout-form");
  if (form) {
    var sync = function () {
      var chosen = form.querySelector("input[name=what]:checked");
      form.querySelectorAll("fieldset[data-when]").forEach(function (set) {
        var on = chosen !== null && chosen.value === set.dataset.when;
        set.disabled = !on;
        set.hidden = !on;
      });
    };
    form.querySelectorAll("input[name=what]").forEach(function (radio) {
      radio.addEventListener("change", sync);
    });
    sync();
  }
  var scrub = document.getElementById("scrub-form");
  if (scrub && window.FormData && window.XMLHttpRequest) {
    scrub.addEventListener("submit", function (event) {
      event.preventDefault();
      var box = document.getElementById("progress");
      var bar = document.getElementById("upload-progress");
      box.hidden = false;
      var request = new XMLHttpRequest();
      request.open("POST", scrub.action);
      request.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) { bar.value = Math.round((100 * e.loaded) / e.total); }
      });
      request.addEventListener("load", function () {
        history.replaceState(null, "", scrub.action);
        document.open();
        document.write(request.responseText);
        document.close();
      });
      request.send(new FormData(scrub));
    });
  }
});
