/* course_utils.site: make the phone ☰ and "On this page" buttons work.
 *
 * Workaround for pydata-sphinx-theme #2451 / sphinx-book-theme #988 (pydata-sphinx-theme 0.17.1,
 * sphinx-book-theme 1.3.0): both themes bind their click handlers to
 * document.querySelector(".primary-toggle") and (".secondary-toggle"), i.e. to the FIRST such
 * button in the page. That one sits in the theme's #pst-header, which sphinx-book-theme never
 * shows; the visible buttons in the article header get no handler, so below 992 px the chapter
 * navigation and the page contents cannot be opened (and on a desktop ☰ does not hide the
 * sidebar).
 *
 * The fix forwards a click on any other toggle to the first one, which runs the theme's own code
 * (drawer <dialog>, focus return, Escape to close). tests/site/test_site.py checks both that the
 * buttons work with this file and that they still do nothing without it: when that second test
 * fails, the themes are fixed and this file can go.
 */
(function () {
  "use strict";
  function forward(selector) {
    var buttons = document.querySelectorAll(selector);
    var bound = buttons[0];
    for (var i = 1; i < buttons.length; i++) {
      buttons[i].addEventListener("click", function (event) {
        event.preventDefault();
        event.stopPropagation();
        bound.click();
      });
    }
  }
  function init() {
    forward(".primary-toggle");
    forward(".secondary-toggle");
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
