"""Page-load cost of the self-checks: a chapter page with its self-checks vs the same page without.

A script, not a test. It serves a built book on 127.0.0.1, writes a copy of the page with every
self-check (and the self-check JS/CSS tags) removed next to the original, then loads both pages
``--runs`` times (default 5, alternating, each in a fresh browser context, or with ``--warm`` in one
context per page so that files come from the HTTP cache) in headless Debian chromium and prints
the median time to the load event, the difference, the time the script itself takes to set the
page's questions up, and the JS + CSS size. On a busy machine the load times are noisy: use
``--runs 15`` to see whether a difference is real.

    .venv/bin/python benchmarks/selfcheck_load.py [--html _build/html] [--page book/02-cio-and-cmo/index.html]

Without ``--html`` the book is built first into a temporary folder. Targets: the self-checks add
<= 50 ms; the load event comes <= 300 ms after navigation starts; JS + CSS <= 15 KB.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
from pathlib import Path

from course_utils.book import build_book
from course_utils.selfcheck.render import MARKER
from course_utils.selfcheck.sphinx_ext import CSS_FILE, JS_FILE, STATIC_DIR
from course_utils.site.chromium import CHROMIUM, CHROMIUM_ARGS
from course_utils.site.serve import serve

REPO_ROOT = Path(__file__).resolve().parents[1]
TARGET_ADDED_MS = 50.0
TARGET_LOAD_MS = 300.0
TARGET_BYTES = 15_000
NAVIGATION = "() => { const n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd - n.startTime; }"
# Time the script's own work: set every question up again from scratch (storage is empty).
INIT = """() => {
  for (const el of document.querySelectorAll('.selfcheck')) delete el.dataset.ready;
  document.querySelector('.sc-summary')?.remove();
  const start = performance.now();
  courseSelfcheck.initPage();
  return performance.now() - start;
}"""


def strip_selfchecks(html: str) -> str:
    """The page without its self-checks, their summary and the self-check JS/CSS tags.

    The book bundles each page's stylesheets into one (course_utils.site.cssbundle), so the
    self-check CSS (3.5 KB) stays in the bundle and both pages load it: the figure is the cost
    of the script and the questions' markup."""
    html = re.sub(r'<div class="selfcheck [^"]*".*?</fieldset></div>', "", html, flags=re.S)
    html = re.sub(
        rf"<(?:script|link)[^>]*(?:{re.escape(JS_FILE)}|{re.escape(CSS_FILE)})[^>]*>(?:</script>)?",
        "",
        html,
    )
    if MARKER in html:
        raise SystemExit("could not remove every self-check from the page")
    return html


def measure(html_dir: Path, page: str, runs: int, *, warm: bool = False) -> dict[str, list[float]]:
    """Median-ready load times (ms) of the page with and without self-checks."""
    from playwright.sync_api import sync_playwright

    original = html_dir / page
    text = original.read_text(encoding="utf-8")
    if MARKER not in text:
        raise SystemExit(f"{page} has no self-checks; choose another --page")
    bare = original.with_name(original.stem + "-without-selfchecks.html")
    bare.write_text(strip_selfchecks(text), encoding="utf-8")
    base, server = serve(html_dir)
    urls = {"with": base + page, "without": base + bare.relative_to(html_dir).as_posix()}
    times: dict[str, list[float]] = {"with": [], "without": [], "init": []}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            kept = {name: browser.new_context() for name in urls} if warm else {}
            for run in range(runs + 1):  # the first round warms the server and the disk cache
                for name, url in urls.items():
                    context = kept.get(name) or browser.new_context()
                    tab = context.new_page()
                    tab.goto(url, wait_until="load")
                    if run:
                        times[name].append(tab.evaluate(NAVIGATION))
                        if name == "with":
                            times["init"].append(tab.evaluate(INIT))
                    if warm:
                        tab.close()
                    else:
                        context.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
        bare.unlink()
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, help="a built book's html folder (default: build one)")
    parser.add_argument(
        "--page",
        default="book/02-cio-and-cmo/index.html",
        help="page with self-checks, relative to the html folder",
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--warm",
        action="store_true",
        help="keep one browser context per page: files come from the HTTP cache, as "
        "when a learner pages through the book (default: a fresh context per load)",
    )
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} not found: apt-get install chromium", file=sys.stderr)
        return 2
    size = sum((STATIC_DIR / name).stat().st_size for name in (JS_FILE, CSS_FILE))
    print(
        f"JS + CSS: {size} bytes ({JS_FILE} {(STATIC_DIR / JS_FILE).stat().st_size}, "
        f"{CSS_FILE} {(STATIC_DIR / CSS_FILE).stat().st_size}); target <= {TARGET_BYTES}"
    )
    with tempfile.TemporaryDirectory(prefix="selfcheck-bench-") as tmp:
        html_dir = args.html
        if html_dir is None:
            print("building the book ...", flush=True)
            html_dir = build_book(REPO_ROOT, Path(tmp), quiet=True).parent
        times = measure(html_dir.resolve(), args.page, args.runs, warm=args.warm)
    with_ms, without_ms = statistics.median(times["with"]), statistics.median(times["without"])
    added = with_ms - without_ms
    print(
        f"page: {args.page} ({len(times['with'])} runs each, {'warm' if args.warm else 'cold'} cache)"
    )
    print(
        f"load event, with self-checks:    median {with_ms:6.1f} ms  {[round(t) for t in times['with']]}"
    )
    print(
        f"load event, without self-checks: median {without_ms:6.1f} ms  {[round(t) for t in times['without']]}"
    )
    print(
        f"setting up the page's self-checks (script work): median {statistics.median(times['init']):.1f} ms"
    )
    print(
        f"added by the self-checks: {added:+.1f} ms (target <= {TARGET_ADDED_MS:.0f} ms); "
        f"load <= {TARGET_LOAD_MS:.0f} ms: {'yes' if with_ms <= TARGET_LOAD_MS else 'NO'}"
    )
    ok = added <= TARGET_ADDED_MS and with_ms <= TARGET_LOAD_MS and size <= TARGET_BYTES
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
