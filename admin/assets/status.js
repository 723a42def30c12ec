// smokex status page: a tooltip for the days, and live updates: on each
// "update" from <slug>/events the page fetches itself and swaps its main.
(function () {
  "use strict";
  var slug = document.body.getAttribute("data-slug");
  var tip = document.getElementById("tip");

  function hide() { tip.hidden = true; }
  function show(el) {
    var text = el.getAttribute("data-tip");
    if (!text) return;
    tip.textContent = text;
    tip.hidden = false;
    var r = el.getBoundingClientRect();
    var w = tip.offsetWidth;
    var x = Math.min(Math.max(8, r.left + r.width / 2 - w / 2 + window.scrollX), document.documentElement.clientWidth - w - 8);
    tip.style.left = x + "px";
    tip.style.top = (r.bottom + window.scrollY + 8) + "px";
  }
  // The native title stays for no script; with script, ours replaces it.
  function arm(root) {
    root.querySelectorAll(".day[title]").forEach(function (el) {
      el.setAttribute("data-tip", el.getAttribute("title"));
      el.setAttribute("aria-label", el.getAttribute("title"));
      el.removeAttribute("title");
    });
  }
  document.addEventListener("mouseover", function (e) {
    var el = e.target.closest && e.target.closest(".day");
    if (el) show(el); else hide();
  });
  document.addEventListener("click", function (e) {
    var el = e.target.closest && e.target.closest(".day");
    if (el) show(el); else hide();
  });
  arm(document);

  if (!window.EventSource || !slug) return;
  var live = document.getElementById("live");
  var busy = false;
  function reload() {
    if (busy) return;
    busy = true;
    fetch(location.pathname, { headers: { Accept: "text/html" }, cache: "no-store" }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.text();
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var fresh = doc.getElementById("page");
      document.body.setAttribute("data-etag", doc.body.getAttribute("data-etag") || "");
      // Charts open stay open; a plan may be in several groups.
      var open = {};
      document.querySelectorAll(".plan").forEach(function (p, i) {
        var d = p.querySelector("details");
        if (d && d.open) open[i] = true;
      });
      if (fresh) {
        document.getElementById("page").innerHTML = fresh.innerHTML;
        document.querySelectorAll(".plan").forEach(function (p, i) {
          var d = p.querySelector("details");
          if (d && open[i]) d.open = true;
        });
        arm(document);
        live = document.getElementById("live");
        if (live) live.classList.add("on");
        document.body.setAttribute("data-updates", String(Number(document.body.getAttribute("data-updates") || 0) + 1));
      }
    }).catch(function () {}).then(function () { busy = false; });
  }
  // The stream says at once when the page changed since it was served.
  var es = new EventSource(slug + "/events?since=" + encodeURIComponent(document.body.getAttribute("data-etag") || ""));
  es.addEventListener("open", function () { if (live) live.classList.add("on"); document.body.setAttribute("data-live", "on"); });
  es.addEventListener("error", function () { if (live) live.classList.remove("on"); document.body.removeAttribute("data-live"); });
  es.addEventListener("update", reload);
})();
