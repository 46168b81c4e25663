"""Only the icons the book shows: subset the theme's Font Awesome webfonts after the build.

pydata-sphinx-theme ships the whole Font Awesome 6 (about 1,400 icons): the solid font is 153 KiB
and the brands font 115 KiB, both fetched by every page (together more than half of a chapter's
bytes once ``fontawesome.js`` is gone), for the two dozen icons of the book's toolbar, sidebar and
admonitions. After the build this module collects the code points the book can show:

* every ``fa-NAME`` class in the built pages and in the theme's scripts, looked up in the theme's
  CSS (``.fa-bars:before{content:"\\f0c9"}``);
* every other icon the CSS draws itself (``--pst-icon-…`` variables, ``content:"\\f…"`` outside
  the per-icon classes, e.g. admonition titles), escaped or written as the character itself;

subsets the TrueType fonts the theme ships next to its woff2 files (fontTools) and writes them as WOFF with one ``@font-face`` per face (``course-icons.css``),
declared after the theme's, so the browser fetches the subsets only.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from course_utils.site.cssbundle import BUNDLE_DIR

ICON_CSS = "course-icons.css"
ICON_DIR = "course-icons"
# (file stem in the theme's webfonts folder, CSS family, weight)
FACES = [
    ("fa-solid-900", "Font Awesome 6 Free", 900),
    ("fa-regular-400", "Font Awesome 6 Free", 400),
    ("fa-brands-400", "Font Awesome 6 Brands", 400),
]
_CLASS_RULE = re.compile(r'((?:\.fa-[a-z0-9-]+:{1,2}before,?)+)\{content:"\\([0-9a-f]{4,5})"\}')
_CODEPOINT = re.compile(r'"\\([ef][0-9a-f]{3})"')
# Icons written as the character itself (pydata-sphinx-theme's --pst-icon-… variables).
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_FA_CLASS = re.compile(r"\bfa-[a-z0-9-]+")


def icon_table(theme_css: str) -> dict[str, int]:
    """``fa-NAME`` -> code point, from the theme's per-icon CSS rules."""
    table = {}
    for selectors, code in _CLASS_RULE.findall(theme_css):
        for name in re.findall(r"\.(fa-[a-z0-9-]+):", selectors):
            table[name] = int(code, 16)
    return table


def css_codepoints(css: str) -> set[int]:
    """Icons a stylesheet draws itself (outside the per-icon ``.fa-NAME:before`` rules)."""
    rest = _CLASS_RULE.sub("", css)
    return {int(c, 16) for c in _CODEPOINT.findall(rest)} | {
        ord(c) for c in _PRIVATE_USE.findall(rest)
    }


def used_codepoints(html_dir: Path) -> set[int]:
    """Every icon code point the built book at ``html_dir`` can show."""
    static = html_dir / "_static"
    # Not the stylesheet bundles of an earlier build (cssbundle): they repeat the theme's CSS with
    # every icon written as the character itself, which would count every icon as drawn.
    sheets = {
        p: p.read_text(encoding="utf-8", errors="replace")
        for p in static.rglob("*.css")
        if BUNDLE_DIR not in p.relative_to(static).parts
    }
    table: dict[str, int] = {}
    points: set[int] = set()
    for text in sheets.values():
        table.update(icon_table(text))
        points |= css_codepoints(text)
    names: set[str] = set()
    for page in html_dir.rglob("*.html"):
        for classes in re.findall(r'class="([^"]*\bfa-[^"]*)"', page.read_text(encoding="utf-8")):
            names.update(_FA_CLASS.findall(classes))
    for script in static.rglob("*.js"):
        if script.stat().st_size < 2_000_000:
            names.update(_FA_CLASS.findall(script.read_text(encoding="utf-8", errors="replace")))
    points |= {table[n] for n in names if n in table}
    return points


def subset(html_dir: Path) -> list[tuple[str, int, int]]:
    """Write the subset fonts and ``course-icons.css``; return (face, bytes before, after)."""
    from fontTools import subset as ft_subset
    from fontTools.ttLib import TTFont

    # fontTools.subset logs every table it prunes at INFO: hundreds of lines in the build output.
    ft_logger = logging.getLogger("fontTools")
    level = ft_logger.level
    ft_logger.setLevel(logging.WARNING)
    try:
        return _subset(html_dir, ft_subset, TTFont)
    finally:
        ft_logger.setLevel(level)


def _subset(html_dir: Path, ft_subset, TTFont) -> list[tuple[str, int, int]]:  # noqa: N803
    static = html_dir / "_static"
    webfonts = static / "vendor" / "fontawesome" / "webfonts"
    out_dir = static / ICON_DIR
    out_dir.mkdir(exist_ok=True)
    points = used_codepoints(html_dir)
    rules, sizes = [], []
    for stem, family, weight in FACES:
        ttf = webfonts / f"{stem}.ttf"
        woff2 = webfonts / f"{stem}.woff2"
        if not ttf.is_file():
            continue
        font = TTFont(str(ttf), recalcTimestamp=False)  # the same bytes on every build
        options = ft_subset.Options()
        options.flavor = "woff"
        options.layout_features = ["*"]
        options.name_IDs = ["*"]
        options.notdef_outline = True
        subsetter = ft_subset.Subsetter(options)
        subsetter.populate(unicodes=sorted(points))
        subsetter.subset(font)
        target = out_dir / f"{stem}.woff"
        font.flavor = "woff"
        font.save(str(target))
        before = woff2.stat().st_size if woff2.is_file() else ttf.stat().st_size
        sizes.append((stem, before, target.stat().st_size))
        rules.append(
            f'@font-face{{font-display:block;font-family:"{family}";font-style:normal;'
            f'font-weight:{weight};src:url({ICON_DIR}/{stem}.woff) format("woff")}}'
        )
    header = (
        "/* Generated by course_utils.site.icons: the theme's icon fonts cut to the icons used. */"
    )
    (static / ICON_CSS).write_text(header + "\n" + "\n".join(rules) + "\n", encoding="utf-8")
    return sizes
