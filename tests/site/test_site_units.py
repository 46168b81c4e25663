"""course_utils.site without a browser: the HTML fixes, labels, print colours and icon cut."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from pybtex.database import parse_string

from course_utils.site import bibstyle, description, icons, postprocess, printcss

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
