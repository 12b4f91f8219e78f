/* b24-reglament pages: the little that needs the portal (BX24.js). Every page works without it:
   BX24.js is loaded from api.bitrix24.com and may be unavailable (tests, no internet). */
(function () {
  "use strict";
  var bx = window.BX24;
  var hasBx = !!(bx && typeof bx.init === "function");

  if (hasBx) {
    try {
      bx.init(function () {
        try { bx.fitWindow(); } catch (e) { /* not inside a portal frame */ }
      });
    } catch (e) { hasBx = false; }
  }
  document.documentElement.setAttribute("data-bx24", hasBx ? "yes" : "no");

  // Links to the task in the portal: BX24.openPath inside Bitrix24, a plain link otherwise.
  var links = document.querySelectorAll("a[data-portal-path]");
  Array.prototype.forEach.call(links, function (link) {
    link.addEventListener("click", function (event) {
      if (hasBx && typeof bx.openPath === "function") {
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
      if (hasBx && typeof bx.reloadWindow === "function") {
        bx.reloadWindow();
      } else {
        var hint = document.getElementById("reload-hint");
        if (hint) { hint.hidden = false; }
      }
    });
  }

  // The month picker submits itself.
  var month = document.querySelector("form.month input[name=month]");
  if (month) {
    month.addEventListener("change", function () { month.form.submit(); });
  }
})();
