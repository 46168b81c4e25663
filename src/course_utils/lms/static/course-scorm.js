/* course_utils SCORM bridge, loaded first on every page of the SCORM package.
 * Inside a chapter's launch page that has a SCORM session with the LMS, it hands the
 * self-check script a store backed by suspend data (globalThis.courseSelfcheckStore) and
 * passes each result (the course-selfcheck:result event) to the session. Anywhere else
 * (the book on its own, no LMS, a page of another chapter) it does nothing. */
(() => {
"use strict";
let session = null;
try {
  for (let w = window.parent, n = 0; w && w !== window && n < 10; n++) {
    if (w.courseScormSession) { session = w.courseScormSession; break; }
    if (w.parent === w) break;
    w = w.parent;
  }
} catch (e) { session = null; }
if (!session || !session.active || !session.owns(location.href)) return;
globalThis.courseSelfcheckStore = session.store;
document.addEventListener("course-selfcheck:result", ev => {
  const d = ev.detail || {};
  session.report({ id: d.id, status: d.status, score: d.score, maxScore: d.maxScore });
});
session.visit(location.href);
})();
