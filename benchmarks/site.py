"""Page weight and speed of the built book, per page type (chapter, lab, reference).

A script, not a test. It serves a built book on 127.0.0.1 with gzip (as any web host does) and
loads one page of each type ``--runs`` times (default 3, each in a fresh browser context, so with
an empty cache) in headless Debian chromium. It prints, per page type, the medians of: the bytes
transferred (gzip) and their uncompressed size, the number of requests, the load event, and the
largest resources; then, when node and benchmarks/node_modules/.bin/lighthouse are there
(``cd benchmarks && npm ci``), Lighthouse's mobile performance and accessibility scores, total
blocking time and largest contentful paint, medians of the same number of runs.

    .venv/bin/python benchmarks/site.py [--html _build/html] [--runs 3] [--no-lighthouse]

Without ``--html`` the book is built first into a temporary folder. Targets (issue 11): chapter and
lab pages at most 500 KiB gzip, no script over 300 KB, Lighthouse mobile performance >= 95 and
accessibility 100.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from course_utils.book import build_book
from course_utils.site.chromium import CHROMIUM, CHROMIUM_ARGS
from course_utils.site.serve import serve

REPO_ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
PAGES = {
    "chapter": "book/01-know-thy-technology/index.html",
    "lab": "book/01-know-thy-technology/lab.html",
    "reference": "book/bibliography.html",
}
TARGET_GZIP = 500 * 1024
TARGET_SCRIPT = 300_000
RESOURCES = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const all = [nav, ...performance.getEntriesByType('resource')];
  return {
    load: nav.loadEventEnd - nav.startTime,
    items: all.map(e => ({name: e.name, type: e.initiatorType, encoded: e.encodedBodySize,
                          decoded: e.decodedBodySize})),
  };
}"""


def measure(browser, url: str) -> dict:
    """One cold load of ``url``: bytes, requests, load event, resources."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    data = page.evaluate(RESOURCES)
    context.close()
    items = data["items"]
    return {
        "load": data["load"],
        "requests": len(items),
        "gzip": sum(i["encoded"] for i in items),
        "raw": sum(i["decoded"] for i in items),
        "items": items,
    }


def lighthouse(url: str) -> dict | None:
    """Lighthouse (mobile, default throttling) on ``url``, or None when it is not installed."""
    binary = HERE / "node_modules" / ".bin" / "lighthouse"
    if not shutil.which("node") or not binary.exists():
        return None
    env = dict(os.environ, CHROME_PATH=str(CHROMIUM))
    result = subprocess.run(
        [
            str(binary),
            url,
            "--output=json",
            "--output-path=stdout",
            "--quiet",
            "--only-categories=performance,accessibility",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    if result.returncode != 0:
        print(f"lighthouse failed on {url}: {result.stderr.strip()[-300:]}", file=sys.stderr)
        return None
    report = json.loads(result.stdout)
    audits = report["audits"]
    return {
        "performance": round(100 * (report["categories"]["performance"]["score"] or 0)),
        "accessibility": round(100 * (report["categories"]["accessibility"]["score"] or 0)),
        "tbt": audits["total-blocking-time"]["numericValue"],
        "lcp": audits["largest-contentful-paint"]["numericValue"],
    }


def _short(name: str, base: str) -> str:
    return name.replace(base, "").split("?")[0]


def report(html: Path, runs: int, use_lighthouse: bool) -> list[dict]:
    from playwright.sync_api import sync_playwright

    base, server = serve(html)
    rows = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            for kind, rel in PAGES.items():
                samples = [measure(browser, base + rel) for _ in range(runs)]
                largest = sorted(samples[0]["items"], key=lambda i: -i["encoded"])[:3]
                scripts = [
                    i for i in samples[0]["items"] if i["name"].split("?")[0].endswith(".js")
                ]
                rows.append(
                    {
                        "page": kind,
                        "gzip_kib": statistics.median(s["gzip"] for s in samples) / 1024,
                        "raw_kib": statistics.median(s["raw"] for s in samples) / 1024,
                        "requests": statistics.median(s["requests"] for s in samples),
                        "load_ms": statistics.median(s["load"] for s in samples),
                        "largest": ", ".join(
                            f"{_short(i['name'], base)} {i['encoded'] / 1024:.0f}" for i in largest
                        ),
                        "largest_script_kb": max((i["decoded"] for i in scripts), default=0) / 1000,
                    }
                )
            browser.close()
        if use_lighthouse:
            for row in rows:
                scores = [
                    s for s in (lighthouse(base + PAGES[row["page"]]) for _ in range(runs)) if s
                ]
                if scores:
                    for key in ("performance", "accessibility", "tbt", "lcp"):
                        row[key] = statistics.median(s[key] for s in scores)
    finally:
        server.shutdown()
        server.server_close()
    return rows


def print_table(rows: list[dict]) -> None:
    lighthouse_on = any("performance" in r for r in rows)
    head = ["page", "gzip KiB", "raw KiB", "requests", "load ms", "largest script KB"]
    if lighthouse_on:
        head += ["LH perf", "LH a11y", "TBT ms", "LCP ms"]
    head.append("largest resources (gzip KiB)")
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" for _ in head) + "|")
    for r in rows:
        cells = [
            r["page"],
            f"{r['gzip_kib']:.0f}",
            f"{r['raw_kib']:.0f}",
            f"{r['requests']:.0f}",
            f"{r['load_ms']:.0f}",
            f"{r['largest_script_kb']:.0f}",
        ]
        if lighthouse_on:
            cells += [
                f"{r.get('performance', float('nan')):.0f}",
                f"{r.get('accessibility', float('nan')):.0f}",
                f"{r.get('tbt', float('nan')):.0f}",
                f"{r.get('lcp', float('nan')):.0f}",
            ]
        cells.append(r["largest"])
        print("| " + " | ".join(cells) + " |")
    if not lighthouse_on:
        print("(Lighthouse not run: needs node and `cd benchmarks && npm ci`)")
    over = [
        r["page"] for r in rows if r["page"] != "reference" and r["gzip_kib"] * 1024 > TARGET_GZIP
    ]
    big = [r["page"] for r in rows if r["largest_script_kb"] * 1000 > TARGET_SCRIPT]
    print(
        f"targets: chapter/lab <= {TARGET_GZIP // 1024} KiB gzip: {'met' if not over else 'missed on ' + ', '.join(over)}; "
        f"no script over {TARGET_SCRIPT // 1000} KB: {'met' if not big else 'missed on ' + ', '.join(big)}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--html", help="a built book's html folder (default: build one)")
    parser.add_argument("--runs", type=int, default=3, help="loads per page (median reported)")
    parser.add_argument("--no-lighthouse", action="store_true", help="skip Lighthouse")
    args = parser.parse_args(argv)
    if args.html:
        html = Path(args.html)
        if not (html / "index.html").is_file():
            print(
                f"benchmarks/site.py: {html}: no index.html (build the book first)", file=sys.stderr
            )
            return 1
        print_table(report(html, args.runs, not args.no_lighthouse))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        build_book(REPO_ROOT, Path(tmp), clean=True, quiet=True)
        print_table(report(Path(tmp) / "_build" / "html", args.runs, not args.no_lighthouse))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
