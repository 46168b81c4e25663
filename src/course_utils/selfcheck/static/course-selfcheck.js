/* course_utils self-checks, format 2 (book + anywidget). Rules: rules.py. No HTML from text:
   every string from a question reaches the page through textContent or createElement. */
var courseSelfcheckV2 = (() => {
"use strict";
const VERSION = 2, G = globalThis, D = document, S = G.crypto && G.crypto.subtle;
const enc = new TextEncoder(), te = s => enc.encode(s);
const hex = b => Array.from(new Uint8Array(b), x => (x + 256).toString(16).slice(1)).join("");
const cat = (a, b) => { const o = new Uint8Array(a.byteLength + b.byteLength); o.set(new Uint8Array(a)); o.set(new Uint8Array(b), a.byteLength); return o; };
async function derive(key, material, it) {
  const k = await S.importKey("raw", te(material), "PBKDF2", false, ["deriveBits"]);
  return S.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: te("selfcheck2\x1f" + key.salt), iterations: it }, k, 256);
}
async function openBox(bits, box) {
  if (!box) return null;
  try {
    const raw = Uint8Array.from(atob(box), c => c.charCodeAt(0));
    const k = await S.importKey("raw", await S.digest("SHA-256", cat(te("key"), bits)), "AES-GCM", false, ["decrypt"]);
    return JSON.parse(new TextDecoder().decode(await S.decrypt({ name: "AES-GCM", iv: raw.slice(0, 12) }, k, raw.slice(12))));
  } catch { return null; }
}
const memos = new WeakMap();
// name "q"/"r": the key's own box; otherwise look the derived tag up among the key's boxes.
function unlock(key, material, own) {
  let m = memos.get(key);
  if (!m) memos.set(key, m = new Map());
  if (!m.has(material)) m.set(material, (async () => {
    const bits = await derive(key, material, material === "r" ? key.rit : key.it);
    return openBox(bits, own ? key[material] : key.b[hex(await S.digest("SHA-256", cat(te("tag"), bits))).slice(0, 16)]);
  })());
  return m.get(material);
}
const squash = s => String(s).normalize("NFKC").replace(/[ \t\n\r\f\v\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+/g, " ").replace(/^ | $/g, "");
const NUM = "([+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?)";
const PLAIN = RegExp(`^${NUM}$`), FRAC = RegExp(`^${NUM} ?/ ?${NUM}$`);
function parseNumber(text, percent, unit) {
  let s = squash(text).replace(/\u2212/g, "-"), v, m;
  if (!s) return { problem: "empty" };
  const u = unit && unit !== "%" ? squash(unit).toLowerCase() : "";
  if (u && s.length > u.length && s.toLowerCase().endsWith(u)) s = s.slice(0, -u.length).replace(/ $/, "");
  const pc = s.endsWith("%");
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
const R = (status, detail = {}, texts = {}) => ({ status, detail, texts }), bad = problem => R("invalid", { problem });
const sorted = a => a.slice().sort((x, y) => x - y);
// The verdict and what the answer unlocked: {status, detail, texts: {feedback, explanation, options, marks}}.
async function judge(key, r) {
  const t = key.type, list = Array.isArray(r) ? r : [];
  if (t === "single" || t === "multiple") {
    const chosen = sorted(typeof r === "number" ? [r] : [...new Set(list)]);
    if (!chosen.length || chosen.some(j => !(Number.isInteger(j) && j >= 0 && j < key.n)) || t === "single" && chosen.length > 1) return bad("choose");
    if (t === "single") {
      const p = await unlock(key, "o:" + chosen[0]) || {};
      return R(p.s === "correct" ? "correct" : "incorrect", { chosen }, { feedback: p.f, explanation: p.x });
    }
    const q = await unlock(key, "q", 1) || { c: [], f: [] }, good = chosen.map(j => !!q.c[j]);
    const right = good.filter(Boolean).length, wrong = chosen.length - right, total = q.c.filter(Boolean).length;
    const status = right === total && !wrong ? "correct" : right ? "partial" : "incorrect", texts = { options: {}, marks: {} };
    chosen.forEach((j, i) => { texts.marks[j] = good[i]; if (q.f[j]) texts.options[j] = q.f[j]; });
    if (status === "correct") texts.explanation = (await unlock(key, "m:" + chosen.join(",")) || {}).x;
    return R(status, { chosen, right, wrong, total }, texts);
  }
  if (t === "numeric") {
    const p = parseNumber(r ?? "", key.percent, key.unit), value = p.value;
    if (p.problem) return bad(p.problem);
    const scaled = value / +key.step, far = R("incorrect", { value, direction: null }, { feedback: key.fi });
    if (!(Math.abs(scaled) < 1e15)) return far;
    const c = Math.floor(scaled), b = await unlock(key, "n:" + Math.floor(c / key.co));
    if (!b) return far;
    if (b.a) {
      if (c >= b.a[0] && c <= b.a[1]) return R("correct", { value }, { feedback: b.f, explanation: b.x });
      const low = c < b.a[0];
      return R("incorrect", { value, direction: low ? "low" : "high" }, { feedback: low ? b.l : b.h });
    }
    return R("incorrect", { value, direction: b.d }, { feedback: b.f });
  }
  if (t === "text") {
    const s = squash(r ?? "").toLowerCase();
    if (!s) return bad("empty");
    const b = await unlock(key, "t:" + s) || {};
    if (b.s === "correct") return R("correct", {}, { feedback: b.f, explanation: b.x });
    return b.w != null ? R("incorrect", { wrong_answer: b.w }, { feedback: b.f }) : R("incorrect", {}, { feedback: key.fi });
  }
  const n = key.n;
  if (!list.every(Number.isInteger) || sorted(list).join() !== [...Array(n).keys()].join()) return bad("order");
  const p = (await unlock(key, "q", 1) || {}).p || [], placed = list.filter((d, j) => p[j] === d).length;
  if (placed < n) return R("incorrect", { placed, total: n }, { feedback: key.fi });
  const b = await unlock(key, "p:" + list.join(",")) || {};
  return R("correct", { placed, total: n }, { feedback: b.f, explanation: b.x });
}
const check = async (key, r) => { const { status, detail } = await judge(key, r); return { status, detail }; };
const reveal = async key => await unlock(key, "r", 1) || {};

// Rich text (a JSON tree made by render.py) to elements: the only way question text enters the page.
const TAGS = { strong: 1, em: 1, code: 1, a: 1, br: 1, span: 1 };
function rich(node) {
  if (node == null) return D.createTextNode("");
  if (typeof node !== "object") return D.createTextNode(String(node));
  const el = D.createElement(TAGS[node.t] ? node.t : "span");
  if (node.t === "a") {
    if (typeof node.h === "string" && !/^\s*[a-z][a-z0-9+.-]*:/i.test(node.h.replace(/^\s*(https?|mailto):/i, ""))) el.setAttribute("href", node.h);
    else return rich({ t: "span", c: node.c });
  }
  (Array.isArray(node.c) ? node.c : []).forEach(c => el.append(rich(c)));
  return el;
}
const plain = node => node == null ? "" : typeof node !== "object" ? String(node) : (node.c || []).map(plain).join("");
// The author already wrote a verdict ("Right.", "Not quite: ...", "Too low.")? Then add none.
const VERDICT = /^\s*(correct|right|yes|exactly|well done|that is|not quite|not yet|not this|not right|no\b|wrong|incorrect|too (low|high|small|big|large)|close|almost|partly|nearly|careful)/i;
const PROBLEMS = { empty: "Type an answer first.", nan: "Type a number like 0.75 or 3/4.", percent: "Type the number without %.", choose: "Choose an answer first.", order: "Put the items in order first." };
const WORD = { correct: "Correct!", partial: "Partly right.", incorrect: "Not quite." };
const KEYS = new Set(["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End", "Enter", " ", "Spacebar", "PageUp", "PageDown"]);

let storeImpl;
function backend() {
  if (storeImpl === undefined) {
    const s = G.courseSelfcheckStore;
    try { storeImpl = s && typeof s === "object" && ["getItem", "setItem", "removeItem"].every(f => typeof s[f] === "function") ? s : G.localStorage; } catch { storeImpl = null; }
  }
  return storeImpl;
}
const all = [];
let instances = 0, bar = null;
const el = (tag, cls, text) => { const e = D.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = text; return e; };
function button(cls, text) { const b = el("button", cls, text); b.type = "button"; return b; }

// Set up one question. opts.model: an anywidget model (widget mode: no storage, no page summary).
function init(root, opts = {}) {
  let key;
  if (!root || root.dataset.ready) return null;
  try { key = JSON.parse(root.querySelector(".sc-data").textContent); } catch { return null; }
  if (!key || key.f !== VERSION) return null;
  root.dataset.ready = "1";
  root.querySelectorAll(".sc-rerun").forEach(e => e.remove()); // "Run this cell..." of a saved notebook
  const model = opts.model, widget = !!model, t = key.type, choice = t === "single" || t === "multiple";
  if (widget) { // ids and radio names unique per view: two views of one question never interfere
    const suffix = `-w${++instances}${Math.random().toString(36).slice(2, 7)}`;
    [root, ...root.querySelectorAll("[id]")].forEach(e => { e.id += suffix; });
    root.querySelectorAll("[for],[aria-describedby],[name]").forEach(e => {
      ["for", "aria-describedby", "name"].forEach(a => { if (e.hasAttribute(a)) e.setAttribute(a, e.getAttribute(a).split(" ").map(x => x + suffix).join(" ")); });
    });
  }
  const q = { key, root, tries: 0, hints: 0, status: null, revealed: false, response: null, run: 0 };
  const done = () => { root.dataset.done = (+root.dataset.done || 0) + 1; }; // each finished async step (for tests)
  const $ = s => root.querySelector(".sc-" + s), $$ = s => [...root.querySelectorAll(".sc-" + s)];
  const fieldset = $("fieldset"), list = $("order"), input = $("input"), opts2 = $$("option"), boxes = $$("option input");
  const actions = el("div", "sc-actions"), checkBtn = button("sc-check", "Check"), hintBtn = key.hints.length ? button("sc-hint", "Show a hint") : null;
  const revealBtn = button("sc-reveal", "Show answer"), retryBtn = button("sc-retry", "Try again");
  const hintsBox = el("div", "sc-hints"), fb = el("div", "sc-feedback"), expl = el("div", "sc-explanation");
  hintsBox.setAttribute("aria-live", "polite");
  fb.setAttribute("role", "status"); fb.setAttribute("aria-live", "polite"); fb.id = root.id + "-feedback";
  expl.setAttribute("aria-live", "polite");
  actions.append(...[checkBtn, hintBtn, revealBtn, retryBtn].filter(Boolean));
  fieldset.append(actions, hintsBox, fb, expl);
  const optFb = opts2.map(o => { const d = el("div", "sc-option-feedback"); d.hidden = true; o.append(d); return d; });
  if (list) $$("item").forEach(li => {
    const moves = el("span", "sc-moves"), tid = li.querySelector(".sc-item-text").id;
    [["sc-up", "Move up"], ["sc-down", "Move down"]].forEach(([c, label]) => { const b = button(c, label); b.setAttribute("aria-describedby", tid); moves.append(b, " "); });
    li.append(" ", moves);
  });
  const items = () => $$("item");
  const response = () => t === "single" ? (c => c ? +c.value : null)(boxes.find(c => c.checked))
    : choice ? boxes.filter(c => c.checked).map(c => +c.value)
    : list ? items().map(li => +li.dataset.index) : input.value;
  function setResponse(r) {
    if (choice) boxes.forEach(c => { c.checked = [].concat(r ?? []).includes(+c.value); });
    else if (list) [].concat(r ?? []).forEach(d => { const li = items().find(x => +x.dataset.index === d); if (li) list.append(li); });
    else input.value = r ?? "";
  }
  const clearMarks = () => { opts2.forEach(o => o.classList.remove("is-right", "is-wrong", "is-answer")); optFb.forEach(d => { d.hidden = true; d.replaceChildren(); }); };
  function say(status, word, tree, info) {
    fb.className = "sc-feedback" + (status ? " is-" + status : "");
    const parts = [], head = [word && !(tree != null && VERDICT.test(plain(tree))) ? word : "", info || ""].filter(Boolean).join(" ");
    if (head) parts.push(el("strong", null, head));
    if (tree != null) parts.push(rich(tree));
    fb.replaceChildren(...parts.flatMap((p, i) => i ? [" ", p] : [p]));
  }
  function showExplanation(tree) {
    if (tree == null) { expl.replaceChildren(); return; }
    expl.replaceChildren(el("strong", null, "Explanation:"), " ", rich(tree));
  }
  function show(res) {
    const d = res.detail, st = res.status, x = res.texts;
    clearMarks();
    if (st === "invalid") return say(st, PROBLEMS[d.problem] || PROBLEMS.choose, null);
    let word = WORD[st], text = x.feedback, info = "";
    if (choice) {
      d.chosen.forEach(i => opts2[i].classList.add(st === "correct" || t === "multiple" && x.marks[i] ? "is-right" : "is-wrong"));
      if (t === "multiple") {
        info = `You chose ${d.right} of ${d.total} correct choices${d.wrong ? ` and ${d.wrong} wrong` : ""}.`;
        Object.entries(x.options).forEach(([i, f]) => { optFb[i].replaceChildren(rich(f)); optFb[i].hidden = false; });
      }
    } else if (t === "numeric" && st !== "correct" && d.direction && text == null) text = `Your answer is too ${d.direction}.`;
    else if (list && st !== "correct") info = `${d.placed} of ${d.total} items are in the right place.`;
    say(st, word, text, info);
    if (st === "correct") showExplanation(x.explanation);
  }
  function finish() {
    const hints = $$("hint-text");
    revealBtn.hidden = q.status === "correct" || q.revealed || q.tries < key.max_tries;
    retryBtn.hidden = q.status === null && !q.revealed;
    while (hints.length < Math.min(q.hints, key.hints.length)) {
      const p = el("p", "sc-hint-text"), n = hints.length + 1;
      p.append(el("strong", null, `Hint ${n}:`), " ", rich(key.hints[n - 1]));
      hintsBox.append(p); hints.push(p);
    }
    hints.forEach((h, i) => { h.hidden = i >= q.hints; });
    if (hintBtn) hintBtn.hidden = q.hints >= key.hints.length;
    if (q.status !== "correct" && !q.revealed) expl.replaceChildren();
  }
  function emit() {
    const status = q.revealed ? "revealed" : q.status || "unanswered";
    D.dispatchEvent(new CustomEvent("course-selfcheck:result", { bubbles: true, detail: { id: key.id, status, score: q.status === "correct" && !q.revealed ? 1 : 0, maxScore: 1 } }));
  }
  let writing = false;
  function save() {
    if (widget) {
      writing = true;
      try { model.set("response", q.response); model.set("tries", q.tries); model.set("hints", q.hints); model.set("revealed", q.revealed); model.save_changes(); } finally { writing = false; }
      return;
    }
    const s = backend(), name = `course-selfcheck:${key.id}:${key.v}`;
    try { if (q.status === null && !q.revealed && !q.tries && !q.hints) s.removeItem(name); else s.setItem(name, JSON.stringify({ r: q.response, t: q.tries, h: q.hints, x: q.revealed })); } catch {}
    summary();
  }
  function unavailable() { say("invalid", "This self-check needs a secure page (https, localhost or a local file).", null); }
  async function doCheck() {
    if (!S) return unavailable();
    const r = response(), run = ++q.run;
    checkBtn.setAttribute("aria-busy", "true");
    const res = await judge(key, r);
    checkBtn.removeAttribute("aria-busy");
    if (run !== q.run) return res;
    show(res);
    if (res.status !== "invalid") {
      Object.assign(q, { response: r, status: res.status, revealed: false });
      if (res.status !== "correct") q.tries++;
      save(); emit();
    }
    finish(); done();
    return res;
  }
  async function doReveal(quiet) {
    if (!S) return unavailable();
    const run = ++q.run, p = await reveal(key);
    if (run !== q.run) return;
    q.revealed = true;
    clearMarks();
    if (choice) {
      const a = [].concat(p.a || []);
      a.forEach(i => opts2[i] && opts2[i].classList.add("is-answer"));
      fb.className = "sc-feedback is-revealed";
      fb.replaceChildren(el("strong", null, "The answer:"), " ");
      a.forEach((i, n) => { const label = opts2[i] && opts2[i].querySelector("label"); if (label) fb.append(n ? "; " : "", ...[...label.childNodes].map(c => c.cloneNode(true))); });
    } else if (list) { setResponse(p.a); say("revealed", "The items are now in the right order.", null); }
    else say("revealed", t === "text" ? "An accepted answer:" : "The answer:", p.a == null ? "" : String(p.a));
    showExplanation(p.x);
    if (!quiet) { save(); emit(); }
    finish(); if (!quiet) done();
  }
  function clear(full) {
    q.run++;
    if (full) { q.tries = q.hints = 0; if (list) setResponse([...items().keys()]); }
    Object.assign(q, { status: null, revealed: false, response: null });
    boxes.forEach(c => { c.checked = false; });
    if (input) input.value = "";
    clearMarks(); say(null, null, null); expl.replaceChildren();
    save(); emit(); finish();
  }
  function move(b, up) {
    const li = b.closest("li"), other = up ? li.previousElementSibling : li.nextElementSibling, text = li.querySelector(".sc-item-text").textContent;
    if (!other) return say(null, null, `“${text}” is already ${up ? "first" : "last"}.`);
    if (up) other.before(li); else other.after(li);
    const all = items(), pos = all.indexOf(li) + 1;
    li.querySelector(pos === 1 ? ".sc-down" : pos === all.length || up ? ".sc-up" : ".sc-down").focus();
    say(null, null, `Moved “${text}” to position ${pos} of ${all.length}.`);
  }
  root.addEventListener("click", ev => {
    const b = ev.target.closest("button"), c = b && b.classList;
    if (!b || !root.contains(b)) return;
    if (c.contains("sc-check")) doCheck();
    else if (c.contains("sc-hint")) { q.hints++; save(); finish(); if (hintBtn.hidden) checkBtn.focus(); }
    else if (c.contains("sc-reveal")) { doReveal(); checkBtn.focus(); }
    else if (c.contains("sc-retry")) { clear(false); (root.querySelector("input, .sc-up") || checkBtn).focus(); }
    else if (list && (c.contains("sc-up") || c.contains("sc-down"))) move(b, c.contains("sc-up"));
  });
  // Keys a widget handles never reach a notebook's command mode (ArrowDown: next cell, Enter:
  // edit mode, Space: scroll, letters in the answer box: a/b/d d...). Notebook 7 handles
  // shortcuts in the capture phase, so a live widget listens on the window, before any other
  // handler; stopping the event there keeps the browser's own action (radio arrows, button
  // clicks). Shift+Enter, Ctrl+Enter, Tab and Escape still reach the notebook.
  function onKey(ev) {
    if (!root.contains(ev.target)) return;
    const chord = ev.ctrlKey || ev.metaKey || ev.altKey, run = ev.shiftKey && ev.key === "Enter";
    const typing = input && ev.target === input;
    if (typing && ev.key === "Enter" && !chord && !run) { ev.preventDefault(); doCheck(); }
    if (!chord && !run && (KEYS.has(ev.key) || typing && ev.key !== "Tab" && ev.key !== "Escape")) ev.stopPropagation();
  }
  if (widget) G.addEventListener("keydown", onKey, true); else root.addEventListener("keydown", onKey);
  if (!S) unavailable();
  // Restore: from storage (book) or from the model (widget: the kernel is the only state).
  async function restore(saved) {
    q.run++;
    Object.assign(q, { tries: saved.t | 0, hints: saved.h | 0, status: null, revealed: false, response: null });
    clearMarks(); say(null, null, null); expl.replaceChildren();
    if (saved.r != null && S) {
      const res = await judge(key, saved.r);
      if (res.status !== "invalid") { setResponse(saved.r); Object.assign(q, { response: saved.r, status: res.status }); show(res); }
    } else setResponse(null);
    if (saved.x && S) await doReveal(true);
    finish(); done();
  }
  const fromModel = () => ({ r: model.get("response"), t: model.get("tries"), h: model.get("hints"), x: model.get("revealed") });
  let ready;
  if (widget) {
    const redraw = () => { if (!writing) restore(fromModel()); };
    ["response", "tries", "hints", "revealed"].forEach(n => model.on("change:" + n, redraw));
    q.detach = () => { ["response", "tries", "hints", "revealed"].forEach(n => model.off("change:" + n, redraw)); G.removeEventListener("keydown", onKey, true); };
    ready = restore(fromModel());
  } else {
    let saved = null;
    try { const o = JSON.parse(backend().getItem(`course-selfcheck:${key.id}:${key.v}`)); saved = o && typeof o === "object" ? o : null; } catch {}
    ready = saved ? restore(saved).catch(() => clear(true)) : Promise.resolve();
    all.push(q);
  }
  finish();
  q.ready = ready;
  q.reset = () => clear(true);
  q.check = doCheck;
  return q;
}

function summary() {
  const answered = all.filter(q => q.status !== null || q.revealed).length, correct = all.filter(q => q.status === "correct" && !q.revealed).length;
  if (bar) bar.firstChild.textContent = `Self-checks on this page: ${correct} of ${all.length} correct.`;
  return { answered, correct, total: all.length };
}
function initPage() {
  const roots = [...D.querySelectorAll(".selfcheck:not([data-ready])")];
  const started = roots.map(r => init(r)).filter(Boolean);
  if (started.length && !bar) {
    bar = el("div", "sc-summary");
    bar.setAttribute("role", "region"); bar.setAttribute("aria-label", "Self-check progress");
    const reset = button(null, "Reset my answers on this page");
    reset.addEventListener("click", () => all.forEach(q => q.reset()));
    bar.append(el("span"), " ", reset);
    started[0].root.before(bar);
  }
  summary();
  return Promise.all(started.map(q => q.ready)).then(summary);
}
// anywidget: render({model, el}). Reads model "html"; reads and writes "response", "tries", "hints", "revealed".
function render({ model, el: host }) {
  // The static rendering made by render.py (every text escaped), parsed as the book's page would be.
  const root = new DOMParser().parseFromString(String(model.get("html")), "text/html").querySelector(".selfcheck");
  if (!root) return;
  host.replaceChildren(root);
  const q = init(root, { model });
  return () => q && q.detach && q.detach();
}
const api = { version: VERSION, check, judge, reveal, init, initPage, render, summary };
if (D.currentScript) { // a classic <script> in the book: the page API, then set up the page
  G.courseSelfcheck = api;
  if (D.readyState === "loading") D.addEventListener("DOMContentLoaded", () => api.pageReady = initPage());
  else api.pageReady = initPage();
}
return api;
})();
