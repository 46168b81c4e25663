/* course_utils SCORM session: the launch page of one SCO (a chapter of the book).
 * It finds the LMS's SCORM API (API for 1.2, API_1484_11 for 2004) by the standard walk up
 * the parent windows and then the opener, keeps the self-check answers of its pages in
 * suspend data, reports score and status, and shows the book's pages in a frame. With no API
 * it only shows the pages (the book then keeps its answers in the browser as usual).
 * It talks to nothing but that API. */
(() => {
"use strict";
const cfg = JSON.parse(document.getElementById("course-scorm-config").textContent);
const v2004 = cfg.version === "2004";
const LIMIT = v2004 ? 64000 : 4096;
const PREFIX = "course-selfcheck:";
const started = Date.now();

function walk(win, name) {
  for (let n = 0; win && n < 500; n++) {
    try { if (win[name]) return win[name]; } catch (e) { return null; }
    if (!win.parent || win.parent === win) break;
    win = win.parent;
  }
  return null;
}
function findApi() {
  const name = v2004 ? "API_1484_11" : "API";
  let api = walk(window, name);
  try { if (!api && window.opener) api = walk(window.opener, name); } catch (e) { api = null; }
  return api;
}

const api = findApi();
const call = {
  init: () => v2004 ? api.Initialize("") : api.LMSInitialize(""),
  get: k => String((v2004 ? api.GetValue(k) : api.LMSGetValue(k)) ?? ""),
  set: (k, x) => v2004 ? api.SetValue(k, String(x)) : api.LMSSetValue(k, String(x)),
  commit: () => v2004 ? api.Commit("") : api.LMSCommit(""),
  finish: () => v2004 ? api.Terminate("") : api.LMSFinish(""),
};
const key = {
  suspend: "cmi.suspend_data",
  location: v2004 ? "cmi.location" : "cmi.core.lesson_location",
  raw: v2004 ? "cmi.score.raw" : "cmi.core.score.raw",
  min: v2004 ? "cmi.score.min" : "cmi.core.score.min",
  max: v2004 ? "cmi.score.max" : "cmi.core.score.max",
  exit: v2004 ? "cmi.exit" : "cmi.core.exit",
  time: v2004 ? "cmi.session_time" : "cmi.core.session_time",
};
let active = false;
try { active = !!api && String(call.init()) === "true"; } catch (e) { active = false; }

// state.s: the self-check script's stored values (by key without the prefix);
// state.r: the latest result per question id: [status, score, maxScore].
let state = { s: {}, r: {} };
if (active) {
  try {
    const saved = JSON.parse(call.get(key.suspend) || "{}");
    if (saved && typeof saved === "object") state = { s: saved.s || {}, r: saved.r || {} };
  } catch (e) { /* unreadable resume data: start afresh */ }
}
const ours = new Set(cfg.questions);
const answered = st => !!st && st !== "reset" && st !== "unanswered";

function summary() {
  let correct = 0, got = 0, max = 0, done = 0;
  for (const id of cfg.questions) {
    const r = state.r[id], m = r && +r[2] > 0 ? +r[2] : 1;
    max += m;
    if (r && answered(r[0])) { done++; got += Math.max(0, Math.min(m, +r[1] || 0)); if (r[0] === "correct") correct++; }
  }
  return { answered: done, correct, total: cfg.questions.length, score: got, maxScore: max };
}
function time() {
  const s = Math.round((Date.now() - started) / 10) / 100;
  if (v2004) return `PT${s}S`;
  const h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, sec = (s % 60).toFixed(2).padStart(5, "0");
  return `${String(h).padStart(4, "0")}:${String(m).padStart(2, "0")}:${sec}`;
}
function suspendText() {
  let text = JSON.stringify(state);
  if (text.length <= LIMIT) return text;
  // Too long for the LMS: keep every result, then the answers that still fit.
  const s = {}, keep = { s, r: state.r };
  for (const [k, val] of Object.entries(state.s)) {
    s[k] = val;
    if (JSON.stringify(keep).length > LIMIT) { delete s[k]; }
  }
  text = JSON.stringify(keep);
  return text.length <= LIMIT ? text : JSON.stringify({ s: {}, r: {} });
}
function status(sum) {
  const all = sum.answered >= sum.total;
  if (!v2004) {
    if (!all) return { "cmi.core.lesson_status": "incomplete" };
    const mastery = parseFloat(call.get("cmi.student_data.mastery_score"));
    const raw = sum.maxScore ? 100 * sum.score / sum.maxScore : 100;
    return { "cmi.core.lesson_status": isFinite(mastery) ? (raw >= mastery ? "passed" : "failed") : "completed" };
  }
  const out = { "cmi.completion_status": all ? "completed" : "incomplete",
                "cmi.progress_measure": sum.total ? (sum.answered / sum.total).toFixed(4) : "1" };
  const pass = parseFloat(call.get("cmi.scaled_passing_score"));
  if (all && isFinite(pass) && sum.maxScore) out["cmi.success_status"] = sum.score / sum.maxScore >= pass ? "passed" : "failed";
  return out;
}
function save(commit = true) {
  if (!active) return;
  const sum = summary(), values = { [key.suspend]: suspendText(), ...status(sum) };
  if (sum.total) {
    const raw = sum.maxScore ? Math.round(10000 * sum.score / sum.maxScore) / 100 : 0;
    Object.assign(values, { [key.raw]: raw, [key.min]: 0, [key.max]: 100 });
    if (v2004) values["cmi.score.scaled"] = (raw / 100).toFixed(4);
  }
  for (const [k, val] of Object.entries(values)) call.set(k, val);
  if (commit) call.commit();
}

const base = new URL(".", location.href).href;
const pageOf = href => { const u = new URL(href, base); u.hash = ""; u.search = ""; return u.href.startsWith(base) ? u.href.slice(base.length) : null; };
const session = {
  active, version: cfg.version, sco: cfg.sco, summary,
  owns: href => cfg.pages.includes(pageOf(href)),
  store: {
    getItem(k) {
      const val = state.s[String(k).startsWith(PREFIX) ? String(k).slice(PREFIX.length) : k];
      return val === undefined ? null : typeof val === "string" ? val : JSON.stringify(val);
    },
    setItem(k, val) {
      let parsed = String(val);
      try { parsed = JSON.parse(parsed); } catch (e) { /* keep the text */ }
      state.s[String(k).startsWith(PREFIX) ? String(k).slice(PREFIX.length) : k] = parsed;
      save(false);
    },
    removeItem(k) { delete state.s[String(k).startsWith(PREFIX) ? String(k).slice(PREFIX.length) : k]; save(false); },
  },
  report(detail) {
    if (!detail || typeof detail.id !== "string" || !ours.has(detail.id)) return;
    const st = detail.status == null ? "reset" : String(detail.status);
    if (answered(st)) state.r[detail.id] = [st, +detail.score || 0, +detail.maxScore || 1];
    else delete state.r[detail.id];
    save(true);
  },
  visit(href) { const page = pageOf(href); if (active && page) { call.set(key.location, page); call.commit(); } },
};
window.courseScormSession = session;

let finished = false;
function finish() {
  if (!active || finished) return;
  finished = true;
  save(false);
  call.set(key.exit, "suspend");
  call.set(key.time, time());
  call.commit();
  call.finish();
}
window.addEventListener("pagehide", finish);
window.addEventListener("beforeunload", finish);

let start = cfg.start;
if (active) {
  const where = call.get(key.location);
  if (cfg.pages.includes(where)) start = where;
  if (!cfg.questions.length) {
    if (v2004) call.set("cmi.completion_status", "completed");
    else call.set("cmi.core.lesson_status", "completed");
  }
  save(true);
}
const open = () => { document.getElementById("course-scorm-frame").src = start; };
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", open);
else open();
})();
