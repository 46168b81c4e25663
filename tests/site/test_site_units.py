"""course_utils.site without a browser: the HTML fixes, labels, print colours and icon cut."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from types import SimpleNamespace

import pytest
from pybtex.database import parse_string

import course_utils.site as site_ext
from course_utils.site import bibstyle, cssbundle, description, icons, postprocess, printcss

pytestmark = pytest.mark.site

CHROME = """
<button class="btn search-button-field search-button__button pst-js-only" title="Search" aria-label="Search" data-bs-placement="bottom">
 <i class="fa-solid fa-magnifying-glass"></i>
 <span class="search-button__default-text">Search</span>
 <span class="search-button__kbd-shortcut"><kbd>Ctrl</kbd>+<kbd>K</kbd></span>
</button>
<i class="theme-switch fa-solid fa-sun fa-lg" data-mode="light" title="Light"></i>
<div id="pst-primary-sidebar" class="bd-sidebar-primary bd-sidebar">
<li class="toctree-l1 has-children"><a class="reference internal" href="a.html">1. Know <em>thy</em> technology</a><details><summary><span class="toctree-toggle" role="presentation"><i class="fa-solid fa-chevron-down"></i></span></summary>
<li class="toctree-l1 current active has-children"><a class="current reference internal" href="#">2. CIO &amp; CMO</a><details open="open"><summary><span class="toctree-toggle" role="presentation"><i class="fa-solid fa-chevron-down"></i></span></summary>
<details class="admonition hide above-input">
<summary aria-label="Toggle hidden content">
<p class="collapsed admonition-title">Show code cell source</p>
<div role="list" class="citation-list"><div class="citation" id="id1" role="doc-biblioentry">
"""

PANDAS = """<table border="1" class="dataframe">
  <thead>
    <tr style="text-align: right;">
      <th></th>
      <th>year</th>
    </tr>
  </thead>
  <tbody><tr><th>0</th><td>2016</td></tr></tbody>
</table>
<table border="1" class="dataframe">
  <thead>
    <tr style="text-align: right;"><th></th><th>share</th></tr>
    <tr><th>year</th><th></th></tr>
  </thead>
</table>"""


def test_chrome_fixes():
    fixed = postprocess.fix_page(CHROME)
    assert 'aria-label="Search"' not in fixed
    assert '<span class="search-button__kbd-shortcut" aria-hidden="true">' in fixed
    assert 'title="Light"' not in fixed and 'data-mode="light" aria-hidden="true"' in fixed
    assert '<summary aria-label="Sections of 1. Know thy technology">' in fixed
    assert '<summary aria-label="Sections of 2. CIO &amp; CMO">' in fixed
    assert 'role="complementary" aria-label="Book contents"' in fixed
    assert '<summary>\n<p class="collapsed' in fixed
    assert 'role="listitem"' in fixed and "doc-biblioentry" not in fixed
    assert postprocess.fix_page(fixed) == fixed, "the fixes are not idempotent"


def test_pandas_index_corner_is_named_and_spacers_are_cells():
    fixed = postprocess.fix_page(PANDAS)
    first, second = fixed.split("</table>")[:2]
    assert '<th><span class="course-sr-only">Row</span></th>' in first
    assert "<th></th>" not in fixed
    assert "<td></td>" in second and "<th>year</th>" in second


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def test_plots_get_size_and_a_full_size_link_and_hash_alt_is_reported(tmp_path: Path):
    png = tmp_path / "plot.png"
    png.write_bytes(_png(587, 387))
    assert postprocess.png_size(png) == (587, 387)
    assert postprocess.png_size(tmp_path / "missing.png") is None
    page = (
        '<img alt="Bar chart of martech share by year" src="../_images/ab.png" />'
        '<img alt="2188495ecfc949d6b188701a008e948a" src="../_images/cd.png" />'
    )
    bad = []
    fixed = postprocess.fix_page(
        page, image_size=lambda src: (587, 387), bad_alt=lambda src, alt: bad.append(src)
    )
    assert fixed.count('width="587" height="387"') == 2
    assert '<a class="course-enlarge" href="../_images/ab.png"' in fixed
    assert bad == ["../_images/cd.png"]
    assert fixed.count('loading="lazy"') == 2, "plots must not compete with the first paint"


def test_author_year_labels():
    bib = parse_string(
        """
@misc{a, author = {Bernhart, Jerry}, title = {T}, year = {2018}}
@misc{b, author = {Brinker, Scott and McLellan, Laura}, title = {T}, year = {2014}}
@misc{c, author = {Colt{ }Technology{ }Services}, title = {T}}
@misc{d, author = {A, B and C, D and E, F}, title = {T}, year = {2020}}
@misc{e, author = {Bernhart, Jerry}, title = {U}, year = {2018}}
""",
        "bibtex",
    )
    entries = list(bib.entries.values())
    labels = list(bibstyle.AuthorYearLabelStyle().format_labels(entries))
    assert labels == [
        "Bernhart, 2018a",
        "Brinker and McLellan, 2014",
        "Colt Technology Services, n.d.",
        "A et al., 2020",
        "Bernhart, 2018b",
    ]


def test_print_colours_copy_the_light_theme():
    theme = "html[data-theme=light]{--pst-color-text-base:#222832;color-scheme:light}html[data-theme=dark]{--x:1}"
    pygments = 'html[data-theme="light"] .highlight .k { color: #008000 }'
    css = printcss.print_rules(theme, pygments)
    assert css.startswith("/*") and "@media print {" in css
    assert "html[data-theme=dark] {--pst-color-text-base:#222832;color-scheme:light}" in css
    assert "html[data-theme=dark] .highlight .k { color: #008000 }" in css


def test_icon_table_and_css_codepoints():
    css = (
        '.fa-bars:before,.fa-navicon:before{content:"\\f0c9"}.fa-x:before{content:"\\f00d"}'
        'html{--pst-icon-bell:"\uf0f3"}.note:after{content:"\\f06a"}'
    )
    assert icons.icon_table(css) == {"fa-bars": 0xF0C9, "fa-navicon": 0xF0C9, "fa-x": 0xF00D}
    assert icons.css_codepoints(css) == {0xF0F3, 0xF06A}


def test_description_falls_back_and_cuts_at_a_word():
    from docutils import nodes

    doc = nodes.document(None, None)
    doc += nodes.paragraph(text="Short.")
    doc += nodes.paragraph(text="word " * 60)
    text = description(doc, "Fallback")
    assert text.endswith("…") and len(text) <= 157 and "  " not in text
    assert description(None, "Glossary – Book") == "Glossary – Book"


# --- stylesheet bundles (cssbundle) ---------------------------------------------------------


def _site(tmp_path: Path) -> Path:
    """A built-book folder: themes' CSS with an @import, urls of every kind, two pages."""
    html = tmp_path / "html"
    styles = html / "_static" / "styles"
    styles.mkdir(parents=True)
    (html / "_static" / "basic.css").write_text("div.body { min-width: 360px; }\n")
    (styles / "theme.css").write_text('@charset "utf-8";\n@import "../basic.css";\n')
    (styles / "theme-big.css").write_text(
        "/*! Bootstrap licence: keep me */\n"
        '@font-face { src: url("../vendor/fa.woff2?v=6") format("woff2"), url(../vendor/fa.woff#x); }\n'
        'a { background: url(data:image/png;base64,AAAA) , url("https://example.org/x.png"); }\n'
        "@media (max-width: 600px) { .logo { background-image: url(img/logo.svg); } }\n"
        "/*# sourceMappingURL=theme-big.css.map */\n"
    )
    (html / "_static" / "course.css").write_text(".course { color: red; }\n")
    (html / "_static" / "print.css").write_text(".course { color: black; }\n")
    head = (
        '<head><link href="{r}_static/styles/theme.css?digest=1" rel="stylesheet" />\n'
        '<link rel="stylesheet" type="text/css" href="{r}_static/styles/theme-big.css?v=2" />\n'
        '    <link rel="stylesheet" type="text/css" href="{r}_static/course.css" />\n'
        '<link media="print" rel="stylesheet" type="text/css" href="{r}_static/print.css" />\n'
        '<link rel="stylesheet" href="https://cdn.example.org/x.css" />\n'
        '<link rel="icon" href="{r}_static/favicon.svg"/></head><body>'
        '<link rel="stylesheet" href="{r}_static/course.css" /></body>'
    )
    (html / "book").mkdir()
    (html / "index.html").write_text(head.format(r=""))
    (html / "book" / "page.html").write_text(head.format(r="../"))
    return html


def test_bundle_keeps_order_inlines_imports_and_rewrites_urls(tmp_path: Path):
    html = _site(tmp_path)
    pages = [html / "index.html", html / "book" / "page.html"]
    assert cssbundle.bundle_pages(html, pages) == 2
    page = pages[1].read_text()
    links = [line for line in page.split("</head>")[0].splitlines() if 'rel="stylesheet"' in line]
    # One bundle for the run of three screen sheets; the print sheet and the CDN link stay.
    assert len(links) == 3 and "../_static/course-css/bundle-" in links[0], links
    assert 'media="print"' in links[1] and "cdn.example.org" in links[2]
    assert (
        page.split("<body>")[1] == '<link rel="stylesheet" href="../_static/course.css" /></body>'
    )
    name = links[0].split("course-css/")[1].split("?")[0]
    assert name in pages[0].read_text(), "pages with the same sheets share one bundle"
    css = (html / "_static" / "course-css" / name).read_text()
    assert css.index("min-width: 360px") < css.index("Bootstrap") < css.index(".course")
    assert "@import" not in css and "@charset" not in css and "sourceMappingURL" not in css
    assert "/*! Bootstrap licence: keep me */" in css
    assert 'url("../styles/vendor/fa.woff2?v=6")' not in css  # ../vendor is beside styles/
    assert 'url("../vendor/fa.woff2?v=6")' in css and 'url("../vendor/fa.woff#x")' in css
    assert 'url("../styles/img/logo.svg")' in css
    assert "url(data:image/png;base64,AAAA)" in css and 'url("https://example.org/x.png")' in css


def test_bundle_is_idempotent_and_refreshed_on_an_incremental_build(tmp_path: Path):
    html = _site(tmp_path)
    pages = [html / "index.html", html / "book" / "page.html"]
    cssbundle.bundle_pages(html, pages)
    once = [p.read_text() for p in pages]
    assert cssbundle.bundle_pages(html, pages) == 0
    assert [p.read_text() for p in pages] == once
    # An incremental build rewrites no page but changes a source: the bundle follows.
    (html / "_static" / "course.css").write_text(".course { color: green; }\n")
    cssbundle.bundle_pages(html, [])
    (bundle,) = (html / "_static" / "course-css").glob("bundle-*.css")
    assert "green" in bundle.read_text() and "red" not in bundle.read_text()


def test_bundle_a_media_import_and_refuse_what_cannot_be_inlined(tmp_path: Path):
    html = _site(tmp_path)
    static = html / "_static"
    (static / "styles" / "theme.css").write_text(
        '@import url("../basic.css") screen and (min-width: 1px);\n'
    )
    css = cssbundle.stylesheet_text(static / "styles" / "theme.css", static)
    assert css.startswith("@media screen and (min-width: 1px) {") and "min-width: 360px" in css
    for rule, problem in [
        ('@import "../basic.css" layer(base);', "cannot be inlined"),
        ('@import "https://fonts.example.org/a.css";', "not a file of the book"),
        ('@import "missing.css";', "missing.css: no such file"),
        ('@import "theme.css";', "@import loop"),
    ]:
        (static / "styles" / "theme.css").write_text(rule)
        with pytest.raises(cssbundle.BundleError, match=problem):
            cssbundle.stylesheet_text(static / "styles" / "theme.css", static)
    with pytest.raises(cssbundle.BundleError, match=r"^_static/styles/theme.css: "):
        cssbundle.bundle_pages(html, [html / "index.html"])


def test_static_files_reach_the_build_even_when_no_page_is_out_of_date(tmp_path: Path):
    """Sphinx skips copying html_static_path when nothing is out of date: an edited
    stylesheet must reach _build/html/_static anyway."""
    static, out = tmp_path / "static", tmp_path / "html"
    (static / "sub").mkdir(parents=True)
    (out / "_static").mkdir(parents=True)
    (static / "course.css").write_text("a { color: green; }")
    (static / "sub" / "new.js").write_text("// new")
    (static / "page.css_t").write_text("{{ template }}")
    (static / ".hidden").write_text("x")
    (out / "_static" / "course.css").write_text("a { color: red; }")
    (out / "_static" / "same.css").write_text("b {}")
    (static / "same.css").write_text("b {}")
    app = SimpleNamespace(
        outdir=str(out), confdir=str(tmp_path), config=SimpleNamespace(html_static_path=["static"])
    )
    assert site_ext.refresh_static(app) == ["course.css", "sub/new.js"]
    assert (out / "_static" / "course.css").read_text() == "a { color: green; }"
    assert not (out / "_static" / "page.css_t").exists()
    assert site_ext.refresh_static(app) == []
