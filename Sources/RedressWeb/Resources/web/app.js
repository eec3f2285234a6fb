// Progressive enhancement for Redress pages: everything works without this file.
// Adds: live updates (server-sent events → the changed part of the page is fetched again), deadline countdowns,
// and upload progress. No framework, no third-party origin.
(function () {
  "use strict";
  var zh = document.documentElement.lang !== "en";
  var leaving = false;
  document.addEventListener("submit", function () { leaving = true; }, true);

  // Live updates: a container with data-live (the event stream) and data-fragment (its fresh HTML). A case page
  // (data-count: the event count it shows) is fetched again only for a newer version; nothing is replaced while
  // something is being typed into it (the update comes with the next one, or when the form is sent).
  function typing(el) {
    if (el.contains(document.activeElement) && document.activeElement.matches("input, textarea, select")) return true;
    return Array.prototype.some.call(el.querySelectorAll("textarea, input[type=text], input:not([type]), input[type=file]"), function (f) {
      return f.value && f.value.length > 0 && f.defaultValue !== f.value;
    });
  }
  function live(el) {
    var source = new EventSource(el.getAttribute("data-live"));
    var busy = false, again = false;
    function refresh() {
      if (busy) { again = true; return; }
      if (typing(el)) { setTimeout(refresh, 1500); return; }
      busy = true;
      fetch(el.getAttribute("data-fragment"), { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html === null) return;
          if (typing(el)) { again = true; return; }
          el.innerHTML = html;
          if (el.classList.contains("chat-box")) el.scrollTop = el.scrollHeight;
          var shown = el.querySelector("[data-event-count]");
          if (shown) el.setAttribute("data-count", shown.getAttribute("data-event-count"));
          countdowns(); uploads(el);
        })
        .finally(function () { busy = false; if (again) { again = false; setTimeout(refresh, 500); } });
    }
    // A chat's stream: each new message (event: message) or change of state (event: chat) fetches the lines again.
    source.addEventListener("message", function () { refresh(); });
    // Not while a form of the page is on its way: the reload would cancel the navigation its answer starts.
    source.addEventListener("chat", function () { if (!leaving) location.reload(); });
    source.addEventListener("case", function (ev) {
      var shown = parseInt(el.getAttribute("data-count") || "-1", 10);
      try { if (shown >= 0 && JSON.parse(ev.data).eventCount <= shown) return; } catch (e) { /* refresh anyway */ }
      refresh();
    });
  }

  // Countdowns: <time data-due="ISO"> shows the time left, or "overdue".
  function countdowns() {
    var now = Date.now();
    document.querySelectorAll("time[data-due]").forEach(function (t) {
      var due = Date.parse(t.getAttribute("data-due"));
      if (isNaN(due)) return;
      var s = Math.floor((due - now) / 1000);
      if (s <= 0) { t.textContent = zh ? "已超期" : "Overdue"; t.parentElement.classList.add("overdue"); return; }
      var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
      t.textContent = zh
        ? "剩余 " + (d > 0 ? d + " 天 " + h + " 小时" : h > 0 ? h + " 小时 " + m + " 分" : m + " 分钟")
        : (d > 0 ? d + " d " + h + " h" : h > 0 ? h + " h " + m + " min" : m + " min") + " left";
    });
  }

  // Upload progress: a form with data-upload is sent with XMLHttpRequest; the browser then follows the answer.
  function uploads(root) {
    root.querySelectorAll("form[data-upload]").forEach(function (form) {
      if (form.dataset.bound) return;
      form.dataset.bound = "1";
      form.addEventListener("submit", function (ev) {
        var bar = form.querySelector("progress");
        var file = form.querySelector("input[type=file]");
        if (!bar || !file || !file.files.length || ev.submitter && ev.submitter.name === "back") return;
        ev.preventDefault();
        var data = new FormData(form);
        // One progress bar per file: the files travel in order in one request, so the bytes sent so far say how far
        // each one is.
        var list = form.querySelector(".upload-list"), bars = [];
        if (list && file.files.length > 1) {
          list.textContent = "";
          Array.prototype.forEach.call(file.files, function (f) {
            var li = document.createElement("li"), name = document.createElement("span"), p = document.createElement("progress");
            name.textContent = f.name; p.max = f.size || 1; p.value = 0; p.setAttribute("aria-label", f.name);
            li.appendChild(name); li.appendChild(p); list.appendChild(li); bars.push(p);
          });
        }
        if (ev.submitter && ev.submitter.name) data.append(ev.submitter.name, ev.submitter.value);
        var xhr = new XMLHttpRequest();
        xhr.open("POST", form.action);
        bar.hidden = false;
        xhr.upload.onprogress = function (e) {
          if (!e.lengthComputable) return;
          bar.value = Math.round(e.loaded * 100 / e.total);
          var sent = e.loaded * (e.total > 0 ? 1 : 0);
          bars.forEach(function (p) { p.value = Math.max(0, Math.min(p.max, sent)); sent -= p.max; });
        };
        xhr.onload = function () {
          if (xhr.responseURL && xhr.responseURL !== location.href) { location.href = xhr.responseURL; }
          else { document.open(); document.write(xhr.responseText); document.close(); }
        };
        xhr.onerror = function () { bar.hidden = true; form.submit(); };
        xhr.send(data);
      });
    });
  }

  // A list kept fresh without a stream (data-poll: every so many ms its fragment is fetched again).
  function poll(el) {
    setInterval(function () {
      if (typing(el) || document.hidden) return;
      fetch(el.getAttribute("data-fragment"), { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) { if (html !== null && !typing(el)) el.innerHTML = html; });
    }, parseInt(el.getAttribute("data-poll"), 10) || 5000);
  }

  // A form sent again now and then while the page is open (an agent's duty, renewed while the desk is open).
  function keepalive(form) {
    setInterval(function () {
      fetch(form.action, { method: "POST", credentials: "same-origin", body: new URLSearchParams(new FormData(form)) });
    }, parseInt(form.getAttribute("data-keepalive"), 10) || 240000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-live][data-fragment]").forEach(live);
    document.querySelectorAll("[data-poll][data-fragment]").forEach(poll);
    document.querySelectorAll("form[data-keepalive]").forEach(keepalive);
    document.querySelectorAll(".chat-box").forEach(function (box) { box.scrollTop = box.scrollHeight; });
    countdowns();
    setInterval(countdowns, 30000);
    uploads(document);
    // Enter in a search box inside a bigger form runs that search (its button), not the form's first button.
    document.querySelectorAll("input[data-enter]").forEach(function (input) {
      input.addEventListener("keydown", function (ev) {
        var button = document.getElementById(input.getAttribute("data-enter"));
        if (ev.key === "Enter" && button) { ev.preventDefault(); button.click(); }
      });
    });
    // Ctrl+Enter (⌘+Enter) in a text box sends its form, as in the helpdesks agents know.
    document.querySelectorAll("textarea").forEach(function (area) {
      area.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey) && area.form) {
          ev.preventDefault();
          var submit = area.form.querySelector("button[type=submit]:not([name=back])");
          if (submit) submit.click(); else area.form.requestSubmit();
        }
      });
    });
  });
})();
