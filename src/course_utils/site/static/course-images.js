/* course_utils.site: the book's plots load after the text, then all of them.
 *
 * The built pages mark notebook plots loading="lazy" (postprocess.py), so on a phone they never
 * take bandwidth from the stylesheet and text the first paint waits for. Lazy images left below
 * the fold would be missing from a printed chapter, though, and from a reader who jumps ahead
 * on a slow connection: once the page has loaded (and before printing) every one is fetched.
 */
(() => {
  "use strict";
  const eager = () => {
    for (const img of document.querySelectorAll("img[loading=lazy]")) img.loading = "eager";
  };
  window.addEventListener("beforeprint", eager);
  const later = () =>
    window.requestIdleCallback ? requestIdleCallback(eager, { timeout: 2000 }) : setTimeout(eager, 200);
  if (document.readyState === "complete") later();
  else window.addEventListener("load", later, { once: true });
})();
