"""The built book as a site: phone navigation, first visit, narrow screens, axe, search, print.

Chromium drives the book served with gzip on 127.0.0.1 (course_utils.site.serve).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sitepages import (
    CHAPTER,
    DARK_SAMPLE_PAGES,
    DESKTOP,
    LAB,
    NARROW,
    PHONE,
    SAMPLE_PAGES,
    book_pages,
)

pytestmark = [pytest.mark.site, pytest.mark.browser]

OPEN = "sel => { const d = document.querySelector(sel); return !!(d && d.open); }"


def _ready(page) -> None:
    page.wait_for_load_state("load")
    if page.locator(".selfcheck").count():
        page.wait_for_function("() => window.courseSelfcheck && courseSelfcheck.pageReady")
        page.evaluate("() => courseSelfcheck.pageReady")


def _visible_toggle(page, kind: str):
    return page.locator(f".bd-header-article .{kind}-toggle")


# --- phone navigation (pydata-sphinx-theme #2451 / sphinx-book-theme #988) --------------------


def test_phone_menu_opens_chapter_navigation_and_page_contents(new_page, site_url):
    page = new_page(PHONE)
    page.goto(site_url + CHAPTER)
    _ready(page)
    menu = _visible_toggle(page, "primary")
    assert menu.is_visible(), "the ☰ button is not shown at 390 px"
    menu.click()
    page.wait_for_function(OPEN, arg="#pst-primary-sidebar-modal", timeout=3000)
    drawer = page.locator("#pst-primary-sidebar-modal")
    chapter_link = drawer.locator("nav.bd-links a[href*='02-cio-and-cmo']").first
    assert chapter_link.is_visible(), "the chapter navigation opened without the chapters"
    page.keyboard.press("Escape")
    page.wait_for_function(f"() => !({OPEN})('#pst-primary-sidebar-modal')", timeout=3000)

    contents = _visible_toggle(page, "secondary")
    assert contents.is_visible(), 'the "On this page" button is not shown at 390 px'
    contents.click()
    page.wait_for_function(OPEN, arg="#pst-secondary-sidebar-modal", timeout=3000)
    toc = page.locator("#pst-secondary-sidebar-modal a[href^='#']")
    assert toc.count() >= 3 and toc.first.is_visible(), "the page contents opened empty"
    assert page.problems.items == []


def test_nav_workaround_is_still_needed(new_page, site_url):
    """Without course-nav-fix.js the visible ☰ does nothing. When this fails, the themes bind
    the visible buttons themselves: delete course-nav-fix.js (and this test)."""
    page = new_page(PHONE)
    page.route(
        "**/course-nav-fix.js*",
        lambda route: route.fulfill(
            status=200, content_type="text/javascript", body="/* removed by the test */"
        ),
    )
    page.goto(site_url + CHAPTER)
    _ready(page)
    _visible_toggle(page, "primary").click()
    page.wait_for_timeout(500)
    assert not page.evaluate(OPEN, "#pst-primary-sidebar-modal"), (
        "the theme's ☰ works without course-nav-fix.js: the upstream bug is fixed, remove the workaround"
    )


def test_desktop_menu_button_hides_the_sidebar(new_page, site_url):
    page = new_page(DESKTOP)
    page.goto(site_url + CHAPTER)
    _ready(page)
    sidebar = page.locator("#pst-primary-sidebar")
    assert sidebar.is_visible()
    _visible_toggle(page, "primary").click()
    page.wait_for_function(
        "() => document.querySelector('#pst-primary-sidebar')"
        ".classList.contains('pst-sidebar-hidden')",
        timeout=3000,
    )


# --- every page: first visit, 320 px ----------------------------------------------------------


def test_first_visit_at_320px_logs_no_error_no_404_and_never_scrolls_sideways(
    new_page, site_url, site_html
):
    """Every page, in a fresh context (empty storage) on a 320 px screen."""
    errors, wide = {}, {}
    for rel in book_pages(site_html):
        page = new_page(NARROW)
        page.goto(site_url + rel)
        _ready(page)
        sizes = page.evaluate(
            "() => { const e = document.scrollingElement; return [e.scrollWidth, e.clientWidth]; }"
        )
        if sizes[0] > sizes[1]:
            culprit = page.evaluate("""() => { const w = document.documentElement.clientWidth;
                const e = [...document.querySelectorAll('.bd-article *')].find(
                    n => n.getBoundingClientRect().right > w + 1 && n.offsetParent !== null);
                return e ? e.outerHTML.slice(0, 120) : ''; }""")
            wide[rel] = f"scrollWidth {sizes[0]} > {sizes[1]}: {culprit}"
        page.wait_for_timeout(50)
        if page.problems.items:
            errors[rel] = page.problems.items
        page.context.close()
    assert errors == {}, "console errors or failed requests on a first visit"
    assert wide == {}, "pages that scroll sideways at 320 px"


def test_wide_tables_scroll_with_a_hint_and_back_to_top_stays_in_the_corner(new_page, site_url):
    page = new_page(PHONE)
    page.goto(site_url + LAB)
    _ready(page)
    boxes = page.evaluate("""() => [...document.querySelectorAll(
            '.cell_output > .output.text_html, .pst-scrollable-table-container')]
        .filter(b => b.scrollWidth > b.clientWidth)
        .map(b => getComputedStyle(b).backgroundImage)""")
    assert boxes, "no table is wider than a 390 px phone: pick a page with one"
    assert all("gradient" in b for b in boxes), "a scrolling table shows no edge shadow"
    page.mouse.wheel(0, 3000)
    page.wait_for_timeout(200)
    page.mouse.wheel(0, -300)  # the theme shows the button while scrolling up
    button = page.locator("#pst-back-to-top")
    button.wait_for(state="visible", timeout=3000)
    box = button.bounding_box()
    assert box["width"] <= 48 and box["height"] <= 48, box
    assert (
        box["x"] + box["width"] >= PHONE["width"] - 24
        and box["y"] + box["height"] >= PHONE["height"] - 24
    ), box
    assert "Back to top" in (button.text_content() or ""), "the button lost its name"


# --- accessibility ------------------------------------------------------------------------


def _axe_serious(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={
            "resultTypes": ["violations"],
            "preload": False,
            "rules": {"label-content-name-mismatch": {"enabled": True}},
        },
    )
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
        or v["id"]
        in ("label-content-name-mismatch", "empty-table-header", "region", "aria-required-children")
    ]


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_axe_whole_pages(new_page, site_url, dark):
    """Whole pages (chrome and content): no serious or critical violation, and none of the
    rules the theme used to fail. Light on desktop, dark on a phone."""
    found = {}
    for rel in SAMPLE_PAGES if not dark else DARK_SAMPLE_PAGES:
        page = new_page(DESKTOP if not dark else PHONE, dark=dark)
        page.goto(site_url + rel)
        _ready(page)
        assert page.evaluate("document.documentElement.dataset.theme") == (
            "dark" if dark else "light"
        )
        problems = _axe_serious(page)
        if problems:
            found[rel] = problems
        page.context.close()
    assert found == {}


@pytest.mark.parametrize("width", [1280, 900])
def test_toolbar_buttons_show_focus(new_page, site_url, width):
    """Tab through the page's toolbar: every button shows a focus ring at least 2 px wide."""
    page = new_page({"width": width, "height": 900})
    page.goto(site_url + CHAPTER)
    _ready(page)
    seen, bad = [], []
    for _ in range(40):
        page.keyboard.press("Tab")
        state = page.evaluate("""() => { const a = document.activeElement;
            if (!a.closest('.bd-header-article')) return null;
            const s = getComputedStyle(a);
            return [a.className || a.tagName, s.outlineStyle, parseFloat(s.outlineWidth), s.boxShadow]; }""")
        if state is None:
            if seen:
                break
            continue
        seen.append(state[0])
        if (state[1] == "none" or state[2] < 2) and state[3] == "none":
            bad.append(state)
    assert len(seen) >= 3, f"only {seen} reached in the toolbar"
    assert bad == []


# --- content: images, tables, bibliography, metadata ----------------------------------------


WORDS = re.compile(r"[A-Za-z]{2,}(?:\W+[A-Za-z]{2,}){2,}")
HASHY = re.compile(r"[0-9a-f]{12,}|\.(png|jpe?g|svg|gif)\b|/", re.I)


def test_every_img_has_words_for_alt_text_and_plots_have_size_caption_and_zoom(site_html):
    bad, plots = [], 0
    for rel in book_pages(site_html):
        page = (site_html / rel).read_text(encoding="utf-8")
        for img in re.findall(r"<img\b[^>]*>", page):
            alt = re.search(r'\balt="([^"]*)"', img)
            text = alt.group(1) if alt else None
            if (
                text is None
                or (not WORDS.search(text) and "logo" not in text)
                or HASHY.search(text)
            ):
                bad.append(f"{rel}: {img[:120]}")
            if "_images/" in img:
                plots += 1
                if not re.search(r'\bwidth="\d+" height="\d+"', img):
                    bad.append(f"{rel}: plot without width/height: {img[:80]}")
                if 'loading="lazy"' not in img:
                    bad.append(f"{rel}: plot loads before the text: {img[:80]}")
        for figure in re.findall(r"<figure\b.*?</figure>", page, re.S):
            if "_images/" in figure and (
                "<figcaption>" not in figure or "course-enlarge" not in figure
            ):
                bad.append(f"{rel}: plot without caption or full-size link")
    assert plots >= 11, f"only {plots} lab plots found"
    assert bad == []


def test_pandas_tables_name_their_index_column(site_html):
    """No table header of any page has an empty cell (axe empty-table-header)."""
    empty, named = [], 0
    for rel in book_pages(site_html):
        page = (site_html / rel).read_text(encoding="utf-8")
        for head in re.findall(r"<thead>.*?</thead>", page, re.S):
            if re.search(r"<th\b[^>]*>\s*(?:<p>\s*</p>|&nbsp;)?\s*</th>", head):
                empty.append(rel)
            named += head.count('class="course-sr-only">Row</span>')
    assert empty == []
    assert named >= 10, "the pandas index corners are no longer named"


def test_bibliography_labels_read_like_the_citations(site_html):
    page = (site_html / "book/bibliography.html").read_text(encoding="utf-8")
    labels = re.findall(r'<span class="label"><span class="fn-bracket">\[</span>(.*?)<span', page)
    assert len(labels) >= 30
    bad = [
        label for label in labels if not re.fullmatch(r".+, (\d{4}(–\d{4})?[a-z]?|n\.d\.)", label)
    ]
    assert bad == []
    assert 'role="doc-biblioentry"' not in page


def test_every_page_has_a_description_favicon_and_no_fontawesome_js(site_html):
    bad = []
    for rel in book_pages(site_html):
        page = (site_html / rel).read_text(encoding="utf-8")
        meta = re.search(r'<meta name="description" content="([^"]{20,})"', page)
        if not meta:
            bad.append(f"{rel}: no meta description")
        if not re.search(r'<link rel="icon" href="[^"]*course-favicon.svg"', page):
            bad.append(f"{rel}: no favicon")
        if "fontawesome.js" in page:
            bad.append(f"{rel}: loads fontawesome.js")
        head = page.split("</head>", 1)[0]
        if rel != "search.html":
            # search_as_you_type is off: only search.html uses the search scripts.
            for script in ("searchtools.js", "language_data.js", "searchindex.js"):
                if re.search(rf'<script[^>]*src="[^"]*{script}', page):
                    bad.append(f"{rel}: loads {script}, which only search.html uses")
        if 'rel="preload" as="script"' in head:
            bad.append(f"{rel}: preloads a deferred script")
        screen_css = [
            tag
            for tag in re.findall(r'<link\b[^>]*rel="stylesheet"[^>]*>', head)
            if 'media="print"' not in tag
        ]
        if len(screen_css) != 1 or "_static/course-css/bundle-" not in screen_css[0]:
            bad.append(f"{rel}: {len(screen_css)} render-blocking stylesheets, not one bundle")
        if "widget-state+json" in page:
            bad.append(f"{rel}: carries notebook widget state no script reads")
    assert bad == []
    assert (site_html / "_static/course-favicon.svg").is_file()


GLYPHS = """() => { const out = new Set();
  for (const e of document.querySelectorAll('*')) {
    for (const pseudo of ['::before', '::after']) {
      const s = getComputedStyle(e, pseudo);
      if (!s.fontFamily.includes('Awesome') || s.content === 'none' || s.content === 'normal') continue;
      for (const ch of s.content.replace(/^"|"$/g, '')) out.add(ch.codePointAt(0));
    }
  }
  return [...out]; }"""


def test_icons_come_from_the_cut_fonts_and_none_is_missing(new_page, site_url, site_html):
    from fontTools.ttLib import TTFont

    cmap = set()
    for font in (site_html / "_static/course-icons").glob("*.woff"):
        cmap |= set(TTFont(str(font)).getBestCmap())
    for rel in (CHAPTER, LAB):
        page = new_page(PHONE)
        fonts = []
        page.on("request", lambda r, fonts=fonts: fonts.append(r.url) if ".woff" in r.url else None)
        page.goto(site_url + rel)
        _ready(page)
        page.wait_for_load_state("networkidle")
        assert fonts and all("/course-icons/" in url for url in fonts), fonts
        shown = set(page.evaluate(GLYPHS))
        icons = {c for c in shown if 0xE000 <= c <= 0xF8FF}
        assert icons, "no icon found on the page"
        assert icons <= cmap, (
            f"icons missing from the cut fonts: {sorted(hex(c) for c in icons - cmap)}"
        )


def test_icon_cut_is_small_and_the_same_on_a_rebuild(site_html, tmp_path):
    """Cutting the icons again over a finished build (an incremental build: the stylesheet
    bundles are there) keeps them cut, and writes the same bytes."""
    import shutil

    from fontTools.ttLib import TTFont

    from course_utils.site import icons

    copy = tmp_path / "html"
    shutil.copytree(site_html, copy, ignore=shutil.ignore_patterns("_images", "_sources"))
    fonts = sorted((copy / "_static" / icons.ICON_DIR).glob("*.woff"))
    assert fonts and (copy / "_static" / "course-css").is_dir()
    built = {f.name: f.read_bytes() for f in fonts}
    icons.subset(copy)
    again = {f.name: f.read_bytes() for f in fonts}
    assert again == built, "the icon fonts changed on a rebuild with nothing changed"
    for font in fonts:
        glyphs = len(TTFont(str(font)).getBestCmap())
        assert glyphs < 150 and font.stat().st_size < 20_000, f"{font.name}: {glyphs} icons"


def test_icons_and_search_still_work(new_page, site_url):
    page = new_page(DESKTOP)
    page.goto(site_url + CHAPTER)
    _ready(page)
    page.wait_for_function("() => document.fonts.status === 'loaded'")
    family = page.evaluate("""() => getComputedStyle(document.querySelector(
        '.bd-header-article .fa-list, .bd-header-article .fa-bars'), '::before').fontFamily""")
    assert "Font Awesome" in family
    assert page.evaluate("""() => [...document.fonts].some(f => f.family.includes('Font Awesome 6 Free')
        && f.weight === '900' && f.status === 'loaded')"""), "the icon webfont did not load"
    assert page.evaluate("() => typeof Search === 'undefined'"), (
        "a chapter page loaded the search scripts; only search.html needs them"
    )
    page.keyboard.press("Control+k")
    field = page.locator("#pst-search-dialog input[name=q]")
    field.wait_for(state="visible", timeout=3000)
    field.fill("martech")
    field.press("Enter")
    page.wait_for_url(re.compile(r"search\.html\?q=martech"))
    page.wait_for_selector("#search-results ul.search li", timeout=10_000)
    assert page.locator("#search-results ul.search li").count() >= 3
    assert page.problems.items == []


# --- print ----------------------------------------------------------------------------------


def _luminance(css_color: str) -> float:
    r, g, b = (int(x) / 255 for x in re.findall(r"\d+", css_color)[:3])
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def test_print_from_dark_mode(new_page, site_url, tmp_path: Path):
    page = new_page(DESKTOP, dark=True)
    page.goto(site_url + CHAPTER)
    _ready(page)
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    page.emulate_media(media="print")
    styles = page.evaluate("""() => {
        const css = (sel, prop) => [...document.querySelectorAll(sel)].map(e => getComputedStyle(e)[prop]);
        return {
          buttons: css('.selfcheck button', 'display'),
          boxes: css('.selfcheck', 'breakInside'),
          headings: css('.bd-article h2', 'breakAfter'),
          text: css('.bd-article p', 'color').slice(0, 20),
          headingColor: css('.bd-article h1, .bd-article h2', 'color'),
          links: css('.bd-article p a', 'color').slice(0, 10),
          background: getComputedStyle(document.body).backgroundColor,
          tables: css('.bd-article .pst-scrollable-table-container', 'overflowX'),
        };
    }""")
    assert styles["buttons"] and set(styles["buttons"]) == {"none"}, "self-check buttons print"
    assert styles["boxes"] and set(styles["boxes"]) == {"avoid"}, "a self-check box may split"
    assert set(styles["headings"]) == {"avoid"}, "a heading may be left at a page bottom"
    assert set(styles["tables"]) <= {"visible"}, "wide tables are clipped"
    dark_text = [c for c in styles["text"] + styles["headingColor"] if _luminance(c) > 0.2]
    assert dark_text == [], f"light text on paper when printed from dark mode: {dark_text}"
    assert all(_luminance(c) < 0.35 for c in styles["links"]), styles["links"]
    assert _luminance(styles["background"]) > 0.9, styles["background"]
    pdf = page.pdf(path=str(tmp_path / "chapter.pdf"), format="A4")
    assert pdf[:4] == b"%PDF" and len(pdf) > 20_000

    # Code cells of a lab: Pygments' light colours on paper, not its dark ones.
    page.goto(site_url + LAB)
    _ready(page)
    code = page.evaluate("""() => ['div.highlight', '.highlight .n', '.highlight .k, .highlight .kn']
        .map(s => { const st = getComputedStyle(document.querySelector(s)); return [st.color, st.backgroundColor]; })""")
    assert all(_luminance(color) < 0.25 for color, _ in code), code
    assert _luminance(code[0][1]) > 0.9, f"code prints on a dark panel: {code[0]}"

    # The plots load lazily (after the text) but all of them once the page has: every one is in
    # the print (the PDF's images with the plots, less its images without them).
    plots = page.locator(".bd-article img[src*='_images/']")
    count = plots.count()
    assert count >= 2
    page.wait_for_function(
        "() => [...document.querySelectorAll('.bd-article img')]"
        ".every(i => i.complete && i.naturalWidth > 0)",
        timeout=10_000,
    )
    assert plots.first.get_attribute("loading") == "eager", "course-images.js did not run"
    with_plots = page.pdf(format="A4").count(b"/Subtype /Image")
    plots.evaluate_all("imgs => imgs.forEach(i => i.remove())")
    without_plots = page.pdf(format="A4").count(b"/Subtype /Image")
    assert with_plots - without_plots == count, (
        f"{with_plots - without_plots} of the lab's {count} plots are in its print"
    )
