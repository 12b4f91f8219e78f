/* b24-reglament pages: the little that needs the portal (BX24.js). Every page works without it:
   BX24.js is loaded from api.bitrix24.com and may be unavailable (tests, no internet), and a
   page opened outside Bitrix24 (the sandbox portal) never gets BX24.init's answer. */
(function () {
  "use strict";
  var bx = window.BX24;
  var ready = false; // set once the portal answered BX24.init: only then BX24 calls work
  document.documentElement.setAttribute("data-bx24", "no");

  if (bx && typeof bx.init === "function") {
    try {
      bx.init(function () {
        ready = true;
        document.documentElement.setAttribute("data-bx24", "yes");
        try { bx.fitWindow(); } catch (e) { /* not inside a portal frame */ }
      });
    } catch (e) { ready = false; }
  }

  // A task's title opens its Bitrix24 card: BX24.openPath inside the portal (a slider, docs:
  // sdk/bx24-js-sdk/additional-functions/bx24-open-path.md), a plain link to the card otherwise.
  var links = document.querySelectorAll("a[data-portal-path]");
  Array.prototype.forEach.call(links, function (link) {
    link.addEventListener("click", function (event) {
      if (ready && typeof bx.openPath === "function") {
        event.preventDefault();
        bx.openPath(link.getAttribute("data-portal-path"));
      }
    });
  });

  // «Открыть заново» on an expired or refused session: the portal reloads the app's frame
  // with a fresh POST (BX24.reloadWindow); outside the portal the page's text says where to go.
  var reload = document.querySelector("[data-reload]");
  if (reload) {
    reload.addEventListener("click", function () {
      if (ready && typeof bx.reloadWindow === "function") {
        bx.reloadWindow();
      } else {
        var hint = document.getElementById("reload-hint");
        if (hint) { hint.hidden = false; }
      }
    });
  }

  // The month picker submits itself.
  var month = document.querySelector("form.month select[name=month]");
  if (month) {
    month.addEventListener("change", function () { month.form.submit(); });
  }
})();
