/* course_utils self-checks: one script for static book pages and the anywidget view.
   The checking rules mirror course_utils/selfcheck/rules.py exactly. */
(function () {
  "use strict";
  var G = typeof globalThis !== "undefined" ? globalThis : window;
  if (G.courseSelfcheck) return;
  var K = [], H0 = [], P = 0, n = 2;
  function frac(x) { return ((x - Math.floor(x)) * 4294967296) | 0; }
  while (P < 64) {
    var ok = true;
    for (var d = 2; d * d <= n; d++) if (n % d === 0) ok = false;
    if (ok) { if (P < 8) H0[P] = frac(Math.sqrt(n)); K[P++] = frac(Math.cbrt(n)); }
    n++;
  }
  function sha256(msg) {
    var l = msg.length, w = new Int32Array(64), h = H0.slice(), i, j, t;
    var len = ((l + 9 + 63) >> 6) << 6, b = new Uint8Array(len);
    b.set(msg); b[l] = 0x80;
    var dv = new DataView(b.buffer);
    dv.setUint32(len - 4, l * 8); dv.setUint32(len - 8, Math.floor(l / 536870912));
    for (i = 0; i < len; i += 64) {
      for (j = 0; j < 64; j++) {
        if (j < 16) w[j] = dv.getInt32(i + 4 * j);
        else {
          var a = w[j - 15], c = w[j - 2];
          w[j] = (((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3)) +
            (((c >>> 17) | (c << 15)) ^ ((c >>> 19) | (c << 13)) ^ (c >>> 10)) + w[j - 7] + w[j - 16] | 0;
        }
      }
      var s = h.slice();
      for (j = 0; j < 64; j++) {
        var e = s[4], x = s[0];
        t = s[7] + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) +
          ((e & s[5]) ^ (~e & s[6])) + K[j] + w[j] | 0;
        var t2 = (((x >>> 2) | (x << 30)) ^ ((x >>> 13) | (x << 19)) ^ ((x >>> 22) | (x << 10))) +
          ((x & s[1]) ^ (x & s[2]) ^ (s[1] & s[2])) | 0;
        s = [t + t2 | 0, x, s[1], s[2], s[3] + t | 0, e, s[5], s[6]];
      }
      for (j = 0; j < 8; j++) h[j] = h[j] + s[j] | 0;
    }
    var out = new Uint8Array(32);
    for (j = 0; j < 8; j++) new DataView(out.buffer).setUint32(4 * j, h[j] >>> 0);
    return out;
  }
  var enc = new TextEncoder();
  function hex(bytes) { var s = ""; for (var i = 0; i < bytes.length; i++) s += (bytes[i] + 256).toString(16).slice(1); return s; }
  function digest(salt) {
    var parts = [salt];
    for (var i = 1; i < arguments.length; i++) parts.push(String(arguments[i]));
    return hex(sha256(enc.encode(parts.join("\x1f")))).slice(0, 16);
  }
  var WS = /[ \t\n\r\f\v\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+/g;
  function squash(s) { return String(s).normalize("NFKC").replace(WS, " ").replace(/^ +| +$/g, ""); }
  function norm(s) { return squash(s).toLowerCase(); }
  var NUM = "[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?";
  var PLAIN = new RegExp("^(" + NUM + ")$"), FRAC = new RegExp("^(" + NUM + ") ?/ ?(" + NUM + ")$");
  function parseNumber(text, percent, unit) {
    var s = squash(String(text).normalize("NFKC").replace(/\u2212/g, "-")), scale = 1, v, m;
    if (!s) return { problem: "empty" };
    if (s.charAt(s.length - 1) === "%") {
      s = s.slice(0, -1).replace(/ +$/, "");
      if (percent) scale = 100; else if (unit !== "%") return { problem: "percent" };
    }
    if ((m = PLAIN.exec(s))) v = Number(m[1]);
    else if ((m = FRAC.exec(s)) && Number(m[2]) !== 0) v = Number(m[1]) / Number(m[2]);
    else return { problem: "nan" };
    if (scale !== 1) v = v / scale;
    return isFinite(v) ? { value: v } : { problem: "nan" };
  }
  function cell(v, step, k) {
    var q = v / (step * Math.pow(2, k));
    return Math.abs(q) < 1e15 ? String(Math.floor(q) || 0) : null;
  }
  function check(key, r) {
    var salt = key.salt, t = key.type, i;
    if (t === "single" || t === "multiple") {
      var good = key.options.map(function (h, j) { return digest(salt, "o", j, "1") === h; });
      var chosen = (typeof r === "number" ? [r] : (r || []).slice()).sort(function (a, b) { return a - b; });
      if (!chosen.length || chosen.some(function (j) { return !(j >= 0 && j < good.length); }) ||
        (t === "single" && chosen.length !== 1)) return { status: "invalid", detail: { problem: "choose" } };
      if (t === "single") return { status: good[chosen[0]] ? "correct" : "incorrect", detail: { chosen: chosen } };
      var right = chosen.filter(function (j) { return good[j]; }).length, wrong = chosen.length - right;
      var total = good.filter(Boolean).length;
      return { status: right === total && !wrong ? "correct" : right ? "partial" : "incorrect",
        detail: { chosen: chosen, right: right, wrong: wrong, total: total } };
    }
    if (t === "numeric") {
      var p = parseNumber(r == null ? "" : r, key.percent, key.unit);
      if (p.problem) return { status: "invalid", detail: { problem: p.problem } };
      var step = Number(key.step), c = cell(p.value, step, 0);
      if (c !== null && key.accepted.indexOf(digest(salt, "n0", c)) >= 0) return { status: "correct", detail: { value: p.value } };
      for (var k = 0; k < key.levels.length; k++) {
        c = cell(p.value, step, k);
        if (c === null) continue;
        for (i = -3; i <= 3; i++) {
          if (digest(salt, "n", k, Number(c) + i) === key.levels[k])
            return { status: "incorrect", detail: { value: p.value, direction: i > 0 ? "low" : i < 0 ? "high" : null } };
        }
      }
      return { status: "incorrect", detail: { value: p.value, direction: null } };
    }
    if (t === "text") {
      var s = norm(r == null ? "" : r);
      if (!s) return { status: "invalid", detail: { problem: "empty" } };
      if (key.accepted.indexOf(digest(salt, "t", s)) >= 0) return { status: "correct", detail: {} };
      i = key.wrong.indexOf(digest(salt, "w", s));
      return { status: "incorrect", detail: i >= 0 ? { wrong_answer: i } : {} };
    }
    var n = key.positions.length, order = (r || []).slice();
    if (order.slice().sort(function (a, b) { return a - b; }).join() !== Array.apply(null, Array(n)).map(function (_, j) { return j; }).join())
      return { status: "invalid", detail: { problem: "order" } };
    var placed = order.filter(function (d, j) { return digest(salt, "p", j, d) === key.positions[j]; }).length;
    return { status: placed === n ? "correct" : "incorrect", detail: { placed: placed, total: n } };
  }
  function unseal(salt, sealed) {
    var raw = atob(sealed), out = new Uint8Array(raw.length), ks = new Uint8Array(0), c = 0;
    while (ks.length < raw.length) { var more = new Uint8Array(ks.length + 32); more.set(ks); more.set(sha256(enc.encode(salt + "\x1fk\x1f" + c++)), ks.length); ks = more; }
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i) ^ ks[i];
    return JSON.parse(new TextDecoder().decode(out));
  }

  var PREFIX = "course-selfcheck:", all = [];
  function store(q, value) {
    try {
      var name = PREFIX + q.key.id + ":" + q.key.v;
      if (value === undefined) { var o = JSON.parse(G.localStorage.getItem(name)); return o && typeof o === "object" ? o : null; }
      if (value === null) G.localStorage.removeItem(name); else G.localStorage.setItem(name, JSON.stringify(value));
    } catch (e) { return null; }
  }
  var PROBLEMS = { choose: "Choose an answer first.", empty: "Type an answer first.", order: "Arrange the items first.",
    nan: "Please type a number, for example 0.75 or 3/4.", percent: "Please type a number without %, for example 0.75." };
  function el(tag, cls, html) { var e = document.createElement(tag); if (cls) e.className = cls; if (html) e.innerHTML = html; return e; }

  function init(root, hooks) {
    if (!root || root.getAttribute("data-selfcheck-ready")) return null;
    var key;
    try { key = JSON.parse(root.querySelector("script.selfcheck-data").textContent); } catch (e) { return null; }
    root.setAttribute("data-selfcheck-ready", "1");
    var T = key.texts || {}, FB = T.feedback || {}, t = key.type;
    var q = { key: key, root: root, tries: 0, hints: 0, status: null, revealed: false, response: null };
    function $(s) { return root.querySelector(s); }
    function $$(s) { return Array.prototype.slice.call(root.querySelectorAll(s)); }
    var fb = $(".selfcheck-feedback"), expl = $(".selfcheck-explanation"), hintBox = $(".selfcheck-hints");
    var hintBtn = $(".selfcheck-hint"), revealBtn = $(".selfcheck-reveal"), retryBtn = $(".selfcheck-retry");
    var list = $(".selfcheck-order"), input = $(".selfcheck-input");
    function response() {
      if (t === "single") { var c = $("input:checked"); return c ? Number(c.value) : null; }
      if (t === "multiple") return $$("input:checked").map(function (c) { return Number(c.value); });
      if (list) return $$(".selfcheck-item").map(function (li) { return Number(li.getAttribute("data-index")); });
      return input.value;
    }
    function setResponse(r) {
      if (t === "single" || t === "multiple") $$("input").forEach(function (c) { c.checked = t === "single" ? Number(c.value) === r : (r || []).indexOf(Number(c.value)) >= 0; });
      else if (list) (r || []).forEach(function (d) { var li = $('.selfcheck-item[data-index="' + Number(d) + '"]'); if (li) list.appendChild(li); });
      else input.value = r == null ? "" : String(r);
    }
    function clearMarks() {
      $$(".selfcheck-option-feedback").forEach(function (d) { d.hidden = true; d.innerHTML = ""; });
      $$(".selfcheck-option").forEach(function (o) { o.classList.remove("is-right", "is-wrong", "is-answer"); });
    }
    function say(status, html) { fb.className = "selfcheck-feedback" + (status ? " is-" + status : ""); fb.innerHTML = html; }
    function show(res) {
      clearMarks();
      var d = res.detail, st = res.status, msg = st === "correct" ? "Correct!" : st === "partial" ? "Partly right." : "Not quite.";
      if (st === "invalid") return say("invalid", PROBLEMS[d.problem] || PROBLEMS.choose);
      var extra = FB[st === "correct" ? "correct" : "incorrect"];
      if (t === "single" || t === "multiple") {
        extra = "";
        d.chosen.forEach(function (i) {
          var li = $$(".selfcheck-option")[i], f = (T.option_feedback || [])[i], good = st === "correct" || (t === "multiple" && digest(key.salt, "o", i, "1") === key.options[i]);
          li.classList.add(good ? "is-right" : "is-wrong");
          if (f) { var box = li.querySelector(".selfcheck-option-feedback"); box.innerHTML = f; box.hidden = false; if (t === "single") extra = f; }
        });
        if (t === "multiple") msg += " You chose " + d.right + " of " + d.total + " correct choices" + (d.wrong ? " and " + d.wrong + " that " + (d.wrong > 1 ? "are" : "is") + " not correct." : ".");
      } else if (t === "numeric" && st !== "correct") {
        extra = d.direction === "low" ? FB.too_low || "Your answer is too low." : d.direction === "high" ? FB.too_high || "Your answer is too high." : FB.incorrect;
      } else if (t === "text" && d.wrong_answer != null) extra = (T.wrong_feedback || [])[d.wrong_answer];
      else if (t === "ordering" && st !== "correct") msg += " " + d.placed + " of " + d.total + " items are in the right place.";
      say(st, "<strong>" + msg + "</strong>" + (extra ? " " + extra : ""));
    }
    function finish() {
      var done = q.status === "correct" || q.revealed;
      if (T.explanation && done) { expl.innerHTML = "<strong>Explanation:</strong> " + T.explanation; expl.hidden = false; }
      revealBtn.hidden = done || q.tries < key.max_tries;
      retryBtn.hidden = q.status === null && !q.revealed;
      if (hintBtn) {
        hintBtn.hidden = q.hints >= T.hints.length;
        hintBtn.textContent = q.hints ? "Show another hint" : "Show a hint";
      }
      hintBox.innerHTML = T.hints.slice(0, q.hints).map(function (h, i) { return '<p class="selfcheck-hint-text"><strong>Hint ' + (i + 1) + ":</strong> " + h + "</p>"; }).join("");
    }
    function save() { store(q, { r: q.response, s: q.status, t: q.tries, h: q.hints, x: q.revealed }); summary(); }
    function doCheck() {
      var r = response(), res = check(key, r);
      show(res);
      if (res.status !== "invalid") {
        q.response = r; q.status = res.status;
        if (res.status !== "correct") q.tries++;
        save();
        if (hooks && hooks.onCheck) hooks.onCheck(r, res);
      }
      finish();
      return res;
    }
    function reveal() {
      var a;
      try { a = unseal(key.salt, key.reveal); } catch (e) { return; }
      q.revealed = true;
      if (t === "single" || t === "multiple") {
        clearMarks();
        a.forEach(function (i) { $$(".selfcheck-option")[i].classList.add("is-answer"); });
        say("revealed", "<strong>The answer:</strong> " + a.map(function (i) { return $$(".selfcheck-option label")[i].innerHTML; }).join("; "));
      } else if (list) { setResponse(a); say("revealed", "<strong>The items are now in the right order.</strong>"); }
      else { var sp = el("span"); sp.textContent = a; say("revealed", "<strong>" + (t === "text" ? "An accepted answer" : "The answer") + ":</strong> " + sp.innerHTML); }
      save(); finish();
    }
    function reset() {
      q.tries = 0; q.hints = 0; q.status = null; q.revealed = false; q.response = null;
      $$("input").forEach(function (c) { c.checked = false; if (c.type === "text") c.value = ""; });
      if (list) $$(".selfcheck-item").sort(function (a, b) { return a.getAttribute("data-index") - b.getAttribute("data-index"); }).forEach(function (li) { list.appendChild(li); });
      clearMarks(); say(null, ""); expl.hidden = true; store(q, null); finish(); summary();
    }
    function retry() {
      q.status = null; q.revealed = false; clearMarks(); say(null, ""); expl.hidden = true;
      $$("input").forEach(function (c) { c.checked = false; if (c.type === "text") c.value = ""; });
      save(); finish();
      var first = $("input, .selfcheck-up"); if (first) first.focus();
    }
    root.addEventListener("click", function (ev) {
      var b = ev.target.closest ? ev.target.closest("button") : null;
      if (!b || !root.contains(b)) return;
      var c = b.classList;
      if (c.contains("selfcheck-check")) doCheck();
      else if (c.contains("selfcheck-hint")) { q.hints++; save(); finish(); if (hintBtn.hidden) $(".selfcheck-check").focus(); }
      else if (c.contains("selfcheck-reveal")) { reveal(); $(".selfcheck-check").focus(); }
      else if (c.contains("selfcheck-retry")) retry();
      else if (c.contains("selfcheck-up") || c.contains("selfcheck-down")) {
        var li = b.closest("li"), up = c.contains("selfcheck-up"), other = up ? li.previousElementSibling : li.nextElementSibling;
        if (!other) return;
        list.insertBefore(li, up ? other : other.nextElementSibling);
        var items = $$(".selfcheck-item"), pos = items.indexOf(li) + 1;
        var next = li.querySelector(pos === 1 ? ".selfcheck-down" : pos === items.length ? ".selfcheck-up" : up ? ".selfcheck-up" : ".selfcheck-down");
        next.focus();
        say(null, "Moved “" + li.querySelector(".selfcheck-item-text").textContent + "” to position " + pos + " of " + items.length + ".");
      }
    });
    if (input) input.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { ev.preventDefault(); doCheck(); } });
    var saved = store(q);
    try {
      if (saved) {
        q.tries = saved.t | 0; q.hints = Math.min(saved.h | 0, T.hints.length);
        if (saved.r != null) { setResponse(saved.r); var res = check(key, saved.r); if (res.status !== "invalid") { q.response = saved.r; q.status = res.status; show(res); } }
        if (saved.x) reveal();
      }
    } catch (e) { q.tries = 0; q.hints = 0; q.status = null; }
    finish();
    q.check = doCheck; q.reset = reset; q.setResponse = setResponse; q.responseNow = response;
    if (!hooks || !hooks.alone) all.push(q);
    summary();
    return q;
  }

  var bar = null;
  function summary() {
    if (!bar) return;
    var right = all.filter(function (q) { return q.status === "correct"; }).length;
    bar.querySelector(".selfcheck-count").textContent = "Self-checks on this page: " + right + " of " + all.length + " correct.";
  }
  function initPage() {
    var roots = Array.prototype.slice.call(document.querySelectorAll(".selfcheck:not([data-selfcheck-ready])"));
    if (!roots.length) return;
    if (!bar) {
      bar = el("div", "selfcheck-summary", '<span class="selfcheck-count"></span> <button type="button" class="selfcheck-reset">Reset my answers on this page</button>');
      bar.setAttribute("role", "region"); bar.setAttribute("aria-label", "Self-check progress");
      roots[0].parentNode.insertBefore(bar, roots[0]);
      bar.querySelector("button").addEventListener("click", function () { all.forEach(function (q) { q.reset(); }); });
    }
    roots.forEach(function (r) { init(r); });
    summary();
  }
  function render(ctx) {
    var model = ctx.model, host = ctx.el;
    host.innerHTML = model.get("html");
    var q = init(host.querySelector(".selfcheck"), { alone: true, onCheck: function (r) { model.set("response", r); model.save_changes(); } });
    function apply() {
      var r = model.get("response");
      if (q && r != null && JSON.stringify(r) !== JSON.stringify(q.responseNow())) { q.setResponse(r); q.check(); }
    }
    model.on("change:response", apply);
    return function () { model.off("change:response", apply); };
  }
  G.courseSelfcheck = { check: check, digest: digest, normaliseText: norm, parseNumber: parseNumber, unseal: unseal, init: init, initPage: initPage, render: render, questions: all };
  if (typeof document !== "undefined") {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", initPage);
    else initPage();
  }
})();
