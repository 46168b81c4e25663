"""The stylesheet bundles change how fast a page paints, never how it looks.

Each page is loaded twice in chromium: as built (one bundle) and with the bundle link swapped
back for the sheets it was made from (``_static/course-css/bundles.json``). Every element's
computed style, pseudo-elements included, must be the same in both, light and dark, phone and
desktop.
"""

from __future__ import annotations

import json
import posixpath
import re
from pathlib import Path

import pytest
from sitepages import CHAPTER, DESKTOP, LAB, PHONE

pytestmark = [pytest.mark.site, pytest.mark.browser]

PROPERTIES = [
    "display", "position", "float", "visibility", "opacity", "zIndex", "boxSizing",
    "width", "height", "marginTop", "marginRight", "marginBottom", "marginLeft",
    "paddingTop", "paddingRight", "paddingBottom", "paddingLeft",
    "borderTopWidth", "borderTopStyle", "borderTopColor", "borderLeftWidth", "borderLeftColor",
    "borderRadius", "color", "backgroundColor", "backgroundImage", "fontFamily", "fontSize",
    "fontWeight", "fontStyle", "lineHeight", "textAlign", "textDecorationLine", "whiteSpace",
    "overflowX", "overflowY", "flexDirection", "gridTemplateColumns", "boxShadow", "outlineStyle",
    "transform", "breakInside", "content",
]  # fmt: skip

# Finished first: a colour transition still running when the styles are read differs by timing.
STYLES = """props => document.getAnimations().forEach(a => a.finish()) ||
  [...document.querySelectorAll('body, body *')].map(e => {
  const row = [e.tagName + '#' + e.id + '.' + e.className];
  for (const pseudo of [null, '::before', '::after']) {
    const s = getComputedStyle(e, pseudo);
    row.push(props.map(p => s[p]).join('|'));
  }
  return row.join(' || ');
})"""

BUNDLE_LINK = re.compile(
    r'<link rel="stylesheet" href="([^"]*_static/course-css/(bundle-[^"?]+))[^"]*" />'
)


def _styles(page, url: str) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("load")
    page.wait_for_function("() => document.fonts.status === 'loaded'")
    return page.evaluate(STYLES, PROPERTIES)


@pytest.mark.parametrize(
    ("rel", "viewport", "dark"),
    [(CHAPTER, PHONE, False), (LAB, PHONE, True), (LAB, DESKTOP, False), ("search.html", DESKTOP, True)],
    ids=["chapter-phone-light", "lab-phone-dark", "lab-desktop-light", "search-desktop-dark"],
)  # fmt: skip
def test_bundled_page_looks_like_the_page_with_its_source_sheets(
    new_page, site_url, site_html: Path, rel: str, viewport: dict, dark: bool
):
    built = (site_html / rel).read_text(encoding="utf-8")
    match = BUNDLE_LINK.search(built)
    assert match, f"{rel}: no stylesheet bundle"
    manifest = json.loads((site_html / "_static/course-css/bundles.json").read_text("utf-8"))
    sources = manifest[match.group(2)]["sources"]
    to_root = posixpath.relpath(".", posixpath.dirname(rel) or ".")
    unbundled = built.replace(
        match.group(0),
        "\n".join(
            f'<link rel="stylesheet" href="{posixpath.join(to_root, s)}" />' for s in sources
        ),
    )
    assert len(sources) >= 8 and unbundled != built

    page = new_page(viewport, dark=dark)
    bundled_styles = _styles(page, site_url + rel)
    page.route(
        site_url + rel,
        lambda route: route.fulfill(status=200, content_type="text/html", body=unbundled),
    )
    source_styles = _styles(page, site_url + rel)
    assert len(bundled_styles) == len(source_styles) > 150
    differences = [(a, b) for a, b in zip(bundled_styles, source_styles, strict=True) if a != b]
    assert differences == [], f"{len(differences)} elements differ; first: {differences[:1]}"
    assert page.problems.items == []
