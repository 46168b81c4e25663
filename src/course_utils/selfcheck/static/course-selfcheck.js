/* course_utils self-checks (book + anywidget); rules = rules.py */
(() => {
"use strict";
const G = globalThis;
if (G.courseSelfcheck) return;
const K = [], H = [], fr = x => (x - Math.floor(x)) * 2 ** 32 | 0;
for (let n = 2, p = 0; p < 64; n++) {
  let d = 2;
  while (n % d) d++;
  if (d === n) { if (p < 8) H[p] = fr(Math.sqrt(n)); K[p++] = fr(Math.cbrt(n)); }
}
const rot = (x, n) => x >>> n | x << 32 - n;
function sha256(msg) {
  const l = msg.length, len = l + 72 >> 6 << 6, b = new Uint8Array(len), w = new Int32Array(64), h = H.slice(), dv = new DataView(b.buffer);
  b.set(msg); b[l] = 128;
  dv.setUint32(len - 4, l * 8); dv.setUint32(len - 8, l / 2 ** 29);
  for (let i = 0; i < len; i += 64) {
    for (let j = 0; j < 64; j++) {
      const a = w[j - 15], c = w[j - 2];
      w[j] = j < 16 ? dv.getInt32(i + 4 * j) : (rot(a, 7) ^ rot(a, 18) ^ a >>> 3) + (rot(c, 17) ^ rot(c, 19) ^ c >>> 10) + w[j - 7] + w[j - 16] | 0;
    }
    let s = h.slice();
    for (let j = 0; j < 64; j++) {
      const [x, y, z, , e, f, g, k] = s, t = k + (rot(e, 6) ^ rot(e, 11) ^ rot(e, 25)) + (e & f ^ ~e & g) + K[j] + w[j] | 0;
      s = [t + (rot(x, 2) ^ rot(x, 13) ^ rot(x, 22)) + (x & y ^ x & z ^ y & z) | 0, x, y, z, s[3] + t | 0, e, f, g];
    }
    s.forEach((v, j) => { h[j] = h[j] + v | 0; });
  }
  h.forEach((v, j) => dv.setUint32(4 * j, v));
  return b.slice(0, 32);
}
const enc = new TextEncoder();
const digest = (...parts) => Array.from(sha256(enc.encode(parts.join("\x1f"))).slice(0, 8), x => (x + 256).toString(16).slice(1)).join("");
const squash = s => String(s).normalize("NFKC").replace(/[ \t\n\r\f\v\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+/g, " ").replace(/^ | $/g, "");
const NUM = "([+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?)";
const PLAIN = RegExp(`^${NUM}$`), FRAC = RegExp(`^${NUM} ?/ ?${NUM}$`);
function parseNumber(text, percent, unit) {
  let s = squash(text).replace(/\u2212/g, "-"), v, m;
  const pc = s.endsWith("%");
  if (!s) return { problem: "empty" };
  if (pc) {
    s = s.slice(0, -1).replace(/ $/, "");
    if (!percent && unit !== "%") return { problem: "percent" };
  }
  if ((m = PLAIN.exec(s))) v = +m[1];
  else if ((m = FRAC.exec(s)) && +m[2]) v = m[1] / m[2];
  else return { problem: "nan" };
  if (pc && percent) v /= 100;
  return isFinite(v) ? { value: v } : { problem: "nan" };
}
const cell = (v, step, k) => { const q = v / (step * 2 ** k); return Math.abs(q) < 1e15 ? String(Math.floor(q) || 0) : null; };
const R = (status, detail = {}) => ({ status, detail }), bad = problem => R("invalid", { problem });
const sorted = a => a.slice().sort((x, y) => x - y);
function check(key, r) {
  const salt = key.salt, t = key.type, list = Array.isArray(r) ? r : [];
  if (key.options) {
    const good = key.options.map((h, j) => digest(salt, "o", j, 1) === h);
    const chosen = sorted(typeof r === "number" ? [r] : [...new Set(list)]);
    if (!chosen.length || chosen.some(j => !(Number.isInteger(j) && j >= 0 && j < good.length)) || t === "single" && chosen.length > 1) return bad("choose");
    if (t === "single") return R(good[chosen[0]] ? "correct" : "incorrect", { chosen });
    const right = chosen.filter(j => good[j]).length, wrong = chosen.length - right, total = good.filter(Boolean).length;
    return R(right === total && !wrong ? "correct" : right ? "partial" : "incorrect", { chosen, right, wrong, total });
  }
  if (t === "numeric") {
    const p = parseNumber(r ?? "", key.percent, key.unit), value = p.value, step = +key.step, c0 = cell(value, step, 0);
    if (p.problem) return bad(p.problem);
    if (c0 !== null && key.accepted.includes(digest(salt, "n0", c0))) return R("correct", { value });
    for (let k = 0; k < key.levels.length; k++) {
      const c = cell(value, step, k);
      for (let i = -3; c !== null && i <= 3; i++) {
        if (digest(salt, "n", k, +c + i) === key.levels[k]) return R("incorrect", { value, direction: i > 0 ? "low" : i < 0 ? "high" : null });
      }
    }
    return R("incorrect", { value, direction: null });
  }
  if (t === "text") {
    const s = squash(r ?? "").toLowerCase(), i = key.wrong.indexOf(digest(salt, "w", s));
    if (!s) return bad("empty");
    if (key.accepted.includes(digest(salt, "t", s))) return R("correct");
    return R("incorrect", i < 0 ? {} : { wrong_answer: i });
  }
  const n = key.positions.length;
  if (!list.every(Number.isInteger) || sorted(list).join() !== [...Array(n).keys()].join()) return bad("order");
  const placed = list.filter((d, j) => digest(salt, "p", j, d) === key.positions[j]).length;
  return R(placed === n ? "correct" : "incorrect", { placed, total: n });
}
function unseal(salt, sealed) {
  const raw = atob(sealed), out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i) ^ sha256(enc.encode(`${salt}\x1fk\x1f${i >> 5}`))[i & 31];
  return JSON.parse(new TextDecoder().decode(out));
}
function store(q, value) {
  try {
    const name = `course-selfcheck:${q.key.id}:${q.key.v}`, ls = G.localStorage;
    if (value === undefined) { const o = JSON.parse(ls.getItem(name)); return o && typeof o === "object" ? o : null; }
    if (value) ls.setItem(name, JSON.stringify(value)); else ls.removeItem(name);
  } catch {}
}
const PROBLEMS = { empty: "Type an answer first.", nan: "Type a number like 0.75 or 3/4.", percent: "Type the number without %." };
const all = [];

function init(root, hooks = {}) {
  let key;
  if (!root || root.dataset.ready) return;
  try { key = JSON.parse(root.querySelector(".sc-data").textContent); } catch { return; }
  root.dataset.ready = 1;
  root.querySelector(".sc-hints").setAttribute("aria-live", "polite");
  const FB = key.texts.feedback, t = key.type, choice = !!key.options, q = { key, tries: 0, hints: 0, status: null, revealed: false, response: null };
  const $ = s => root.querySelector(".sc-" + s), $$ = s => [...root.querySelectorAll(".sc-" + s)];
  const fb = $("feedback"), hintBtn = $("hint"), checkBtn = $("check"), list = $("order"), input = $("input"), opts = $$("option"), boxes = $$("option input");
  const response = () => t === "single" ? (c => c ? +c.value : null)(boxes.find(c => c.checked))
    : choice ? boxes.filter(c => c.checked).map(c => +c.value)
    : list ? $$("item").map(li => +li.dataset.index) : input.value;
  function setResponse(r) {
    if (choice) boxes.forEach(c => { c.checked = [].concat(r).includes(+c.value); });
    else if (list) [].concat(r).forEach(d => { const li = $$("item").find(x => x.dataset.index == d); if (li) list.append(li); });
    else input.value = r ?? "";
  }
  const clearMarks = () => opts.forEach(o => { o.className = "sc-option"; o.lastChild.hidden = true; });
  const say = (status, html) => { fb.className = "sc-feedback" + (status ? " is-" + status : ""); fb.innerHTML = html; };
  function show(res) {
    const d = res.detail, st = res.status;
    let msg = st === "correct" ? "Correct!" : st === "partial" ? "Partly right." : "Not quite.", extra = FB[st === "correct" ? "correct" : "incorrect"];
    clearMarks();
    if (st === "invalid") return say(st, PROBLEMS[d.problem] || "Choose an answer first.");
    if (choice) {
      extra = "";
      d.chosen.forEach(i => {
        const o = opts[i], f = o.lastChild;
        o.classList.add(st === "correct" || t === "multiple" && digest(key.salt, "o", i, 1) === key.options[i] ? "is-right" : "is-wrong");
        f.hidden = !f.innerHTML;
        if (t === "single") extra = f.innerHTML;
      });
      if (t === "multiple") msg += ` You chose ${d.right} of ${d.total} correct choices${d.wrong ? ` and ${d.wrong} wrong` : ""}.`;
    } else if (t === "numeric" && st !== "correct") extra = d.direction && (FB["too_" + d.direction] || `Your answer is too ${d.direction}.`) || FB.incorrect;
    else if (t === "text" && d.wrong_answer != null) extra = key.texts.wrong_feedback[d.wrong_answer];
    else if (list && st !== "correct") msg += ` ${d.placed} of ${d.total} items are in the right place.`;
    say(st, `<strong>${msg}</strong> ` + (extra || ""));
  }
  function finish() {
    const done = q.status === "correct" || q.revealed, hints = $$("hint-text");
    $("explanation").hidden = !done;
    $("reveal").hidden = done || q.tries < key.max_tries;
    $("retry").hidden = q.status === null && !q.revealed;
    hints.forEach((h, i) => { h.hidden = i >= q.hints; });
    if (hintBtn) hintBtn.hidden = q.hints >= hints.length;
  }
  function save() { store(q, { r: q.response, t: q.tries, h: q.hints, x: q.revealed }); summary(); }
  function doCheck() {
    const r = response(), res = check(key, r);
    show(res);
    if (res.status !== "invalid") {
      Object.assign(q, { response: r, status: res.status, revealed: false });
      if (res.status !== "correct") q.tries++;
      save();
      if (hooks.onCheck) hooks.onCheck(r, res);
    }
    finish();
    return res;
  }
  function reveal() {
    const a = unseal(key.salt, key.reveal), b = document.createElement("b");
    q.revealed = true;
    b.textContent = a;
    if (choice) { clearMarks(); a.forEach(i => opts[i].classList.add("is-answer")); say("revealed", "<strong>The answer:</strong> " + a.map(i => opts[i].querySelector("label").innerHTML).join("; ")); }
    else if (list) { setResponse(a); say("revealed", "<strong>The items are now in the right order.</strong>"); }
    else say("revealed", `<strong>${t === "text" ? "An accepted answer" : "The answer"}:</strong> ${b.innerHTML}`);
    save(); finish();
  }
  function clear(full) {
    if (full) { q.tries = q.hints = 0; if (list) setResponse([...$$("item").keys()]); }
    Object.assign(q, { status: null, revealed: false, response: null });
    boxes.forEach(c => { c.checked = false; });
    if (input) input.value = "";
    clearMarks(); say(null, "");
    if (full) { store(q, 0); summary(); } else save();
    finish();
  }
  root.addEventListener("click", ev => {
    const b = ev.target.closest("button"), c = b && b.classList;
    if (!b || !root.contains(b)) return;
    if (c.contains("sc-check")) doCheck();
    else if (c.contains("sc-hint")) { q.hints++; save(); finish(); if (hintBtn.hidden) checkBtn.focus(); }
    else if (c.contains("sc-reveal")) { reveal(); checkBtn.focus(); }
    else if (c.contains("sc-retry")) { clear(false); (root.querySelector("input, .sc-up") || checkBtn).focus(); }
    else if (list) {
      const li = b.closest("li"), up = c.contains("sc-up"), other = up ? li.previousElementSibling : li.nextElementSibling;
      if (!other) return;
      if (up) other.before(li); else other.after(li);
      const items = $$("item"), pos = items.indexOf(li) + 1;
      li.querySelector(pos === 1 ? ".sc-down" : pos === items.length || up ? ".sc-up" : ".sc-down").focus();
      say(null, `Moved “${li.querySelector(".sc-item-text").textContent}” to position ${pos} of ${items.length}.`);
    }
  });
  if (input) input.addEventListener("keydown", ev => { if (ev.key === "Enter") { ev.preventDefault(); doCheck(); } });
  try {
    const saved = store(q), res = saved && check(key, saved.r);
    if (saved) {
      Object.assign(q, { tries: saved.t | 0, hints: saved.h | 0 });
      if (saved.r != null && res.status !== "invalid") { setResponse(saved.r); Object.assign(q, { response: saved.r, status: res.status }); show(res); }
      if (saved.x) reveal();
    }
  } catch { clear(true); }
  finish();
  q.reset = () => clear(true);
  if (!hooks.alone) all.push(q);
  return q;
}

let bar = null;
function summary() {
  if (bar) bar.firstChild.textContent = `Self-checks on this page: ${all.filter(q => q.status === "correct").length} of ${all.length} correct.`;
}
function initPage() {
  const roots = [...document.querySelectorAll(".selfcheck:not([data-ready])")];
  if (!roots.length) return;
  if (!bar) {
    roots[0].insertAdjacentHTML("beforebegin", '<div class="sc-summary" role="region" aria-label="Self-check progress"><span></span> <button type="button">Reset my answers on this page</button></div>');
    bar = roots[0].previousSibling;
    bar.lastChild.onclick = () => all.forEach(q => q.reset());
  }
  roots.forEach(r => init(r));
  summary();
}
function render({ model, el }) {
  el.innerHTML = model.get("html");
  init(el.firstChild, { alone: true, onCheck: r => { model.set("response", r); model.save_changes(); } });
}
G.courseSelfcheck = { check, digest, init, initPage, render };
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", initPage);
else initPage();
})();
