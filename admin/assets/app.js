// The smokex dashboard's live updates: the page follows /events and
// reloads the parts of itself marked data-live when an event concerns it.
// Plain JavaScript, no build step; the pages work without it, but stay
// still.
(function () {
  "use strict";
  var base = document.querySelector('meta[name="smokex-base"]').content;
  var body = document.body.dataset;
  var live = document.getElementById("live-status");
  var pending = null;
  var again = false;

  function url(path) { return new URL(base + path, location.href).toString(); }

  function refresh() {
    if (pending) { again = true; return; }
    pending = setTimeout(function () {
      fetch(location.href, { headers: { Accept: "text/html" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (!html) return;
          var doc = new DOMParser().parseFromString(html, "text/html");
          document.querySelectorAll("[data-live]").forEach(function (el) {
            var fresh = doc.getElementById(el.id);
            if (fresh && fresh.innerHTML !== el.innerHTML) el.replaceWith(fresh);
          });
          ago();
        })
        .catch(function () {})
        .finally(function () {
          pending = null;
          if (again) { again = false; refresh(); }
        });
    }, 250);
  }

  function concerns(ev, type) {
    if (body.execution) return ev.execution && ev.execution.id === body.execution;
    if (body.plan) return ev.plan && ev.plan.id === body.plan && type !== "step_finished";
    return body.page === "overview" && type !== "step_finished";
  }

  if (window.EventSource && body.page !== "edit" && body.page !== "new") {
    var es = new EventSource(url("events"));
    ["execution_created", "execution_started", "step_finished", "execution_finished"].forEach(function (type) {
      es.addEventListener(type, function (e) {
        var ev;
        try { ev = JSON.parse(e.data); } catch (err) { return; }
        if (concerns(ev, type)) refresh();
      });
    });
    es.onopen = function () { live.textContent = "Live"; live.classList.add("on"); };
    es.onerror = function () { live.textContent = "Reconnecting…"; live.classList.remove("on"); };
  } else if (live) {
    live.textContent = ""; // the editor does not follow events
  }

  // How long ago, kept current.
  function ago() {
    document.querySelectorAll("time[data-ago]").forEach(function (t) {
      var s = (Date.now() - Date.parse(t.getAttribute("datetime"))) / 1000;
      var text = s < 5 ? "just now" : s < 60 ? Math.floor(s) + " s ago" : s < 3600 ? Math.floor(s / 60) + " min ago" :
        s < 172800 ? Math.floor(s / 3600) + " h ago" : Math.floor(s / 86400) + " days ago";
      if (t.textContent !== text) t.textContent = text;
    });
  }
  setInterval(ago, 5000);

  function say(text) {
    var out = document.getElementById("action-result");
    if (out) out.textContent = text;
  }

  function errorOf(r) {
    return r.json().then(function (b) { return b.error || r.statusText; }, function () { return r.statusText; });
  }

  // Run now.
  document.addEventListener("click", function (e) {
    var run = e.target.closest("[data-run]");
    if (run) {
      run.disabled = true;
      say("Starting…");
      fetch(url("api/plans/" + encodeURIComponent(run.dataset.run) + "/runs"), { method: "POST", credentials: "same-origin" })
        .then(function (r) {
          if (r.status === 202) { say("Started."); refresh(); return; }
          return errorOf(r).then(say);
        })
        .catch(function (err) { say(String(err)); })
        .finally(function () { run.disabled = false; });
      return;
    }
    var pause = e.target.closest("[data-pause]");
    var resume = e.target.closest("[data-resume]");
    if (pause || resume) {
      var btn = pause || resume;
      var path = "api/plans/" + encodeURIComponent(pause ? pause.dataset.pause : resume.dataset.resume) + "/pause";
      if (pause) path += "?for=" + encodeURIComponent(document.getElementById("pause-for").value);
      btn.disabled = true;
      fetch(url(path), { method: pause ? "POST" : "DELETE", credentials: "same-origin" })
        .then(function (r) {
          if (r.ok) { say(pause ? "Paused." : "Resumed."); refresh(); return; }
          btn.disabled = false;
          return errorOf(r).then(say);
        })
        .catch(function (err) { btn.disabled = false; say(String(err)); });
      return;
    }
    var sync = e.target.closest("[data-sync-now]");
    if (sync) {
      sync.disabled = true;
      say("Syncing…");
      fetch(url("api/sync"), { method: "POST", credentials: "same-origin" })
        .then(function (r) {
          if (r.ok) { say("Synced."); refresh(); return; }
          return errorOf(r).then(say);
        })
        .catch(function (err) { say(String(err)); })
        .finally(function () { sync.disabled = false; });
      return;
    }
    var del = e.target.closest("[data-delete]");
    if (del && confirm("Delete the plan " + del.dataset.delete + " and its executions?")) {
      fetch(url("api/plans/" + encodeURIComponent(del.dataset.delete)), { method: "DELETE", credentials: "same-origin" })
        .then(function (r) {
          if (r.status === 204) { location.href = url(""); return; }
          return errorOf(r).then(say);
        });
    }
  });

  // The editor: PUT the YAML, show the parser's errors with their place.
  var form = document.getElementById("editor");
  if (form) {
    var source = document.getElementById("source");
    var errors = document.getElementById("plan-errors");
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var id = form.dataset.planId || document.getElementById("plan-id").value.trim();
      errors.textContent = "";
      if (!id) { errors.textContent = "Give the plan an ID."; return; }
      fetch(url("api/plans/" + encodeURIComponent(id)), {
        method: "PUT", body: source.value, credentials: "same-origin",
        headers: { "Content-Type": "application/yaml" }
      }).then(function (r) {
        if (r.ok) { location.href = url("plans/" + encodeURIComponent(id)); return; }
        if (r.status === 422) {
          return r.json().then(function (b) {
            var ul = document.createElement("ul");
            b.errors.forEach(function (pe) {
              var li = document.createElement("li");
              li.textContent = (pe.line ? "Line " + pe.line + ", column " + pe.column + ": " : "") + pe.message;
              ul.appendChild(li);
            });
            errors.appendChild(ul);
            var first = b.errors[0];
            if (first && first.line) select(first.line, first.column);
          });
        }
        return errorOf(r).then(function (msg) { errors.textContent = msg; });
      });
    });

    // select puts the caret at line:column of the YAML.
    function select(line, column) {
      var lines = source.value.split("\n");
      var at = 0;
      for (var i = 0; i < line - 1 && i < lines.length; i++) at += lines[i].length + 1;
      at += Math.max(0, column - 1);
      source.focus();
      source.setSelectionRange(at, at);
    }
  }

  // New plan: write plans from a check's fields, an OpenAPI document's URL
  // or a curl command (POST api/generate), and put one in the editor.
  var result = document.getElementById("gen-result");
  document.querySelectorAll("form.gen").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      e.preventDefault();
      var req = { from: f.dataset.from };
      new FormData(f).forEach(function (v, k) { if (v !== "") req[k] = String(v); });
      var btn = f.querySelector("button");
      btn.disabled = true;
      result.textContent = "Writing…";
      fetch(url("api/generate"), {
        method: "POST", body: JSON.stringify(req), credentials: "same-origin",
        headers: { "Content-Type": "application/json" }
      }).then(function (r) {
        if (r.ok) return r.json().then(function (b) { written(b.plans); });
        return errorOf(r).then(function (msg) {
          result.textContent = "";
          result.appendChild(para(msg, "error"));
        });
      }).catch(function (err) {
        result.textContent = "";
        result.appendChild(para(String(err), "error"));
      }).finally(function () { btn.disabled = false; });
    });
  });

  function para(text, cls) {
    var p = document.createElement("p");
    p.textContent = text;
    if (cls) p.className = cls;
    return p;
  }

  // written lists the plans written, a button for each, and loads the
  // first into the editor.
  function written(plans) {
    result.textContent = "";
    result.appendChild(para(plans.length === 1 ? "Written: check the plan in the editor, then save it." :
      plans.length + " plans written. Save the one in the editor, then come back for the others:"));
    var secrets = para("");
    secrets.id = "gen-secrets";
    if (plans.length > 1) {
      var ul = document.createElement("ul");
      ul.className = "gen-plans";
      plans.forEach(function (p) {
        var li = document.createElement("li");
        var b = document.createElement("button");
        b.type = "button";
        b.textContent = p.id;
        b.dataset.genPlan = p.id;
        b.addEventListener("click", function () { load(p); });
        li.appendChild(b);
        ul.appendChild(li);
      });
      result.appendChild(ul);
    }
    result.appendChild(secrets);
    load(plans[0]);

    function load(p) {
      document.getElementById("source").value = p.source;
      document.getElementById("plan-id").value = p.id;
      result.querySelectorAll("[data-gen-plan]").forEach(function (b) {
        b.setAttribute("aria-pressed", String(b.dataset.genPlan === p.id));
      });
      secrets.textContent = p.secrets && p.secrets.length ?
        p.id + " reads the secrets " + p.secrets.join(", ") + ": give them to the server (smokex serve --secret NAME)." : "";
      document.getElementById("editor").scrollIntoView({ block: "start" });
    }
  }
})();
