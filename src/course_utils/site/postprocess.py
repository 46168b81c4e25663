"""Accessibility fixes written into each built HTML page (theme chrome and notebook content).

The theme's markup cannot be changed without forking it, so the book's build rewrites a few
well-known fragments after Sphinx has written the pages (``build-finished``). Each fix names the
axe-core rule it answers; every pattern is exact, so a theme upgrade that changes the markup makes
the fix a no-op (and the site tests fail) instead of producing broken HTML.
"""

from __future__ import annotations

import html as html_lib
import re
import struct
from collections.abc import Callable
from pathlib import Path

SR_ONLY = "course-sr-only"

# label-content-name-mismatch: the search field buttons show "Search Ctrl+K" but are named "Search"
# by aria-label; without it their name is their visible text (the shortcut is hidden from it).
_SEARCH_FIELD = re.compile(
    r'(<button class="btn search-button-field[^"]*"[^>]*?) aria-label="Search"'
)
_KBD_SHORTCUT = re.compile(r'<span class="search-button__kbd-shortcut">')

# label-content-name-mismatch: the colour-mode button is named "Color mode" while its icons carry
# the titles "Light", "Dark", "System Settings"; the icons are decoration.
_THEME_ICON = re.compile(r'(<i class="theme-switch [^"]*" data-mode="[a-z]+")\s+title="[^"]*"')

# summary-name: the sidebar's expand chevrons are <summary> elements holding only an icon.
_NAV_SUMMARY = re.compile(
    r'(<a class="(?:current )?reference internal" href="[^"]*">)((?:(?!</a>).)*)(</a><details[^>]*>)<summary>'
    r'(<span class="toctree-toggle" role="presentation">)',
    re.S,
)

# region: the logo and the search field in the primary sidebar are outside every landmark.
_PRIMARY_SIDEBAR = '<div id="pst-primary-sidebar" class="bd-sidebar-primary bd-sidebar">'

# label-content-name-mismatch: MyST-NB's "Show code cell source" toggles are named
# "Toggle hidden content"; their visible text is the better name.
_HIDDEN_CODE_SUMMARY = re.compile(
    r'<summary aria-label="Toggle hidden content">(\s*<p class="collapsed)'
)

# aria-required-children / aria-deprecated-role: sphinxcontrib-bibtex writes a role="list" whose
# children have the deprecated role doc-biblioentry; listitem is what a list needs.
_BIBLIOENTRY = 'role="doc-biblioentry"'

# empty-table-header: the corner cell above a pandas index (or a Markdown table's first column).
_TABLE = re.compile(r"<table\b[^>]*>.*?</table>", re.S)
_THEAD = re.compile(r"<thead>.*?</thead>", re.S)
_HEADER_ROW = re.compile(r"<tr\b[^>]*>.*?</tr>", re.S)
_EMPTY_TH = re.compile(r'<th((?: [a-z-]+="[^"]*")*)\s*>(\s*(?:<p>\s*</p>|&nbsp;)?\s*)</th>')

# Notebook plots: <img> without width/height (layout shift) and not enlargeable on a phone.
_IMAGE = re.compile(r'<img (alt="[^"]*" )?src="([^"]*_images/[^"]+\.png)"\s*/?>')
_HASHY_ALT = re.compile(r"^(?:[0-9a-f]{12,}|.*\.(?:png|jpe?g|svg|gif))$", re.I)


def _label_nav_summary(match: re.Match[str]) -> str:
    title = " ".join(re.sub(r"<[^>]+>", " ", match.group(2)).split())
    label = html_lib.escape(f"Sections of {html_lib.unescape(title)}", quote=True)
    return f'{match.group(1)}{match.group(2)}{match.group(3)}<summary aria-label="{label}">{match.group(4)}'


def _fix_header_rows(thead: str) -> str:
    rows = _HEADER_ROW.findall(thead)
    if not rows:
        return thead
    fixed = []
    for number, row in enumerate(rows):
        if number == 0 and len(rows) == 1:
            # One header row: the empty corner names the row labels below it.
            row = _EMPTY_TH.sub(
                lambda m: f'<th{m.group(1)}><span class="{SR_ONLY}">Row</span></th>', row, count=1
            )
        # Spacer cells of multi-row headers (pandas' index-name row) hold no header: plain cells.
        row = _EMPTY_TH.sub(lambda m: f"<td{m.group(1)}></td>", row)
        fixed.append(row)
    out = thead
    for old, new in zip(rows, fixed, strict=True):
        out = out.replace(old, new, 1)
    return out


def _fix_table(match: re.Match[str]) -> str:
    table = match.group(0)
    return _THEAD.sub(lambda m: _fix_header_rows(m.group(0)), table, count=1)


def png_size(path: Path) -> tuple[int, int] | None:
    """Width and height of a PNG file from its header, or None if it is not a PNG."""
    try:
        with path.open("rb") as handle:
            head = handle.read(24)
    except OSError:
        return None
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def fix_page(
    page: str,
    *,
    image_size: Callable[[str], tuple[int, int] | None] = lambda src: None,
    bad_alt: Callable[[str, str], None] | None = None,
) -> str:
    """Return ``page`` with the accessibility fixes applied (idempotent)."""
    page = _SEARCH_FIELD.sub(r"\1", page)
    page = _KBD_SHORTCUT.sub('<span class="search-button__kbd-shortcut" aria-hidden="true">', page)
    page = _THEME_ICON.sub(r'\1 aria-hidden="true"', page)
    page = _NAV_SUMMARY.sub(_label_nav_summary, page)
    page = page.replace(
        _PRIMARY_SIDEBAR,
        _PRIMARY_SIDEBAR[:-1] + ' role="complementary" aria-label="Book contents">',
    )
    page = _HIDDEN_CODE_SUMMARY.sub(r"<summary>\1", page)
    page = page.replace(_BIBLIOENTRY, 'role="listitem"')
    page = _TABLE.sub(_fix_table, page)

    def image(match: re.Match[str]) -> str:
        alt, src = match.group(1) or "", match.group(2)
        alt_text = html_lib.unescape(alt[5:-2]) if alt else ""
        if bad_alt is not None and (not alt_text.strip() or _HASHY_ALT.match(alt_text.strip())):
            bad_alt(src, alt_text)
        size = image_size(src)
        dims = f' width="{size[0]}" height="{size[1]}"' if size else ""
        # Plots sit below the fold: lazy, so they never delay the text (width/height keep the
        # layout still while they load; a printed page loads them too).
        img = f'<img {alt}src="{src}"{dims} loading="lazy" decoding="async" />'
        # On a phone the plot is shrunk to the column; a tap opens it at full size.
        return f'<a class="course-enlarge" href="{src}" title="Open the full-size image">{img}</a>'

    if 'class="course-enlarge"' not in page:
        page = _IMAGE.sub(image, page)
    return page
