"""One stylesheet per page instead of a dozen: the render-blocking CSS of each built page, bundled.

A page of the book links twelve stylesheets in ``<head>`` (the two themes, Sphinx, MyST-NB,
sphinx-design, copybutton, togglebutton and the course's own), and the theme's ``theme.css``
``@import``s ``basic.css`` on top. A browser must fetch every one before the first paint; on a phone
network each costs a round trip, and the ``@import`` a second one in sequence. After the build,
every run of consecutive ``<link rel="stylesheet">`` tags for the same media is replaced by one link
to a bundle in ``_static/course-css/``: the same files, in the same order (so the cascade is
unchanged), with ``@import`` inlined, relative ``url()``s rewritten for the bundle's folder and
source-map comments dropped. Licence comments stay.

Pages with the same list of stylesheets share a bundle (named after the list; ``?v=`` carries its
content hash). ``bundles.json`` records each bundle's sources, so an incremental build, which
rewrites only the pages that changed, still refreshes every bundle from the current files.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import json
import posixpath
import re
from collections.abc import Iterable
from pathlib import Path

import tinycss2
from tinycss2 import ast
from tinycss2.serializer import serialize_string_value

BUNDLE_DIR = "course-css"
MANIFEST = "bundles.json"

_HEAD = re.compile(r"<head>.*?</head>", re.S)
# A run of stylesheet links, nothing but white space between them.
_LINK = r'<link\b[^>]*\brel="stylesheet"[^>]*/?>'
_RUN = re.compile(rf"{_LINK}(?:\s*{_LINK})+")
_ONE_LINK = re.compile(_LINK)
_ATTR = re.compile(r'([a-zA-Z-]+)="([^"]*)"')
_EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//|/|#)", re.I)


class BundleError(Exception):
    """A stylesheet a page links cannot be bundled (missing file, unsupported @import)."""


def _attributes(tag: str) -> dict[str, str]:
    return {name.lower(): value for name, value in _ATTR.findall(tag)}


def _rewrite_urls(tokens: list, prefix: str) -> list:
    """``tokens`` with every relative url() made relative to the bundle folder."""
    out = []
    for token in tokens:
        url = None
        if isinstance(token, ast.URLToken):
            url = token.value
        elif isinstance(token, ast.FunctionBlock) and token.lower_name == "url":
            strings = [a for a in token.arguments if isinstance(a, ast.StringToken)]
            url = strings[0].value if len(strings) == 1 else None
        if url is not None and url and not _EXTERNAL.match(url):
            path, _, rest = url.partition("?")
            path, hash_sep, fragment = path.partition("#")
            new = posixpath.normpath(posixpath.join(prefix, path)) if path else ""
            new += ("#" + fragment if hash_sep else "") + ("?" + rest if rest else "")
            out.append(
                ast.URLToken(
                    token.source_line,
                    token.source_column,
                    new,
                    f'url("{serialize_string_value(new)}")',
                )
            )
            continue
        if isinstance(token, ast.FunctionBlock):
            token.arguments = _rewrite_urls(token.arguments, prefix)
        elif isinstance(token, (ast.QualifiedRule, ast.AtRule)):
            token.prelude = _rewrite_urls(token.prelude, prefix)
            if token.content is not None:
                token.content = _rewrite_urls(token.content, prefix)
        elif isinstance(
            token, (ast.ParenthesesBlock, ast.SquareBracketsBlock, ast.CurlyBracketsBlock)
        ):
            token.content = _rewrite_urls(token.content, prefix)
        out.append(token)
    return out


def _import_target(rule: ast.AtRule) -> tuple[str, str]:
    """The file and media of an ``@import`` rule."""
    parts = [t for t in rule.prelude if not isinstance(t, (ast.WhitespaceToken, ast.Comment))]
    if not parts:
        raise BundleError("an empty @import")
    first = parts[0]
    if isinstance(first, (ast.StringToken, ast.URLToken)):
        target = first.value
    elif isinstance(first, ast.FunctionBlock) and first.lower_name == "url":
        strings = [a for a in first.arguments if isinstance(a, ast.StringToken)]
        if len(strings) != 1:
            raise BundleError(f"@import {tinycss2.serialize(rule.prelude).strip()}")
        target = strings[0].value
    else:
        raise BundleError(f"@import {tinycss2.serialize(rule.prelude).strip()}")
    media = tinycss2.serialize(rule.prelude[rule.prelude.index(first) + 1 :]).strip()
    if re.match(r"(?i)(layer|supports)\b", media):
        raise BundleError(f"@import with {media.split('(')[0]}(): cannot be inlined")
    if _EXTERNAL.match(target):
        raise BundleError(f"@import of {target}: not a file of the book")
    return target, media


def stylesheet_text(css_file: Path, static: Path, _seen: tuple[Path, ...] = ()) -> str:
    """The text of ``css_file`` as it reads from the bundle folder ``static/course-css``."""
    if not css_file.is_file():
        raise BundleError(f"{css_file.name}: no such file")
    if css_file in _seen:
        raise BundleError(f"{css_file.name}: @import loop")
    prefix = posixpath.relpath(css_file.parent.as_posix(), (static / BUNDLE_DIR).as_posix())
    rules = tinycss2.parse_stylesheet(
        css_file.read_text(encoding="utf-8"), skip_comments=False, skip_whitespace=False
    )
    pieces: list[str] = []
    for rule in rules:
        if isinstance(rule, ast.Comment) and "sourceMappingURL" in rule.value:
            continue
        if isinstance(rule, ast.AtRule) and rule.lower_at_keyword == "charset":
            continue
        if isinstance(rule, ast.AtRule) and rule.lower_at_keyword == "import":
            target, media = _import_target(rule)
            inner = stylesheet_text(
                (css_file.parent / target.split("?")[0]).resolve(), static, (*_seen, css_file)
            )
            pieces.append(f"@media {media} {{\n{inner}\n}}" if media else inner)
            continue
        pieces.append(tinycss2.serialize(_rewrite_urls([rule], prefix)))
    return "".join(pieces).strip() + "\n"


def _bundle_name(sources: list[str], media: str) -> str:
    key = "\n".join([media, *sources]).encode("utf-8")
    return f"bundle-{hashlib.sha256(key).hexdigest()[:12]}.css"


def write_bundle(static: Path, name: str, sources: list[str]) -> str:
    """Write ``static/course-css/name`` from ``sources`` (paths relative to ``static``'s parent);
    return the first 8 hex digits of its content hash."""
    root = static.parent
    parts = []
    for source in sources:
        try:
            parts.append(f"/* {source} */\n" + stylesheet_text((root / source).resolve(), static))
        except BundleError as error:
            raise BundleError(f"{source}: {error}") from None
    text = "\n".join(parts)
    (static / BUNDLE_DIR).mkdir(exist_ok=True)
    (static / BUNDLE_DIR / name).write_text(text, encoding="utf-8")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def bundle_page(page_text: str, page_rel: str, static: Path, bundles: dict) -> str:
    """``page_text`` with each run of stylesheet links in its <head> replaced by one bundle link.

    ``page_rel`` is the page's path relative to the html folder; ``bundles`` maps bundle names to
    their sources and content hashes and is filled as new bundles are written."""
    head = _HEAD.search(page_text)
    if not head:
        return page_text
    page_dir = posixpath.dirname(page_rel)
    to_root = posixpath.relpath(".", page_dir) if page_dir else "."

    def bundle(tags: list[str], media: str) -> str:
        hrefs = [_attributes(tag)["href"] for tag in tags]
        sources = [
            posixpath.normpath(posixpath.join(page_dir, h.split("?")[0].split("#")[0]))
            for h in hrefs
        ]
        name = _bundle_name(sources, media)
        if name not in bundles:
            bundles[name] = {
                "sources": sources,
                "media": media,
                "hash": write_bundle(static, name, sources),
            }
        href = posixpath.join(to_root, "_static", BUNDLE_DIR, name) + "?v=" + bundles[name]["hash"]
        media_attr = "" if media == "all" else f' media="{html_lib.escape(media)}"'
        return f'<link rel="stylesheet"{media_attr} href="{href}" />'

    def replace(run: re.Match) -> str:
        # Consecutive links for the same media, local files, no alternate or disabled sheets.
        groups: list[tuple[str | None, list[str]]] = []
        for tag in _ONE_LINK.findall(run.group(0)):
            attributes = _attributes(tag)
            href = attributes.get("href", "")
            bundlable = (
                href
                and not _EXTERNAL.match(href)
                and not {"title", "disabled", "integrity", "crossorigin"} & attributes.keys()
            )
            media = html_lib.unescape(attributes.get("media", "all")) if bundlable else None
            if groups and media is not None and groups[-1][0] == media:
                groups[-1][1].append(tag)
            else:
                groups.append((media, [tag]))
        return "\n".join(
            bundle(tags, media) if media is not None and len(tags) > 1 else "\n".join(tags)
            for media, tags in groups
        )

    new_head = _RUN.sub(replace, head.group(0))
    return page_text[: head.start()] + new_head + page_text[head.end() :]


def bundle_pages(html_dir: Path, pages: Iterable[Path]) -> int:
    """Bundle the stylesheets of ``pages`` (built HTML files under ``html_dir``) and refresh every
    bundle an earlier build recorded; return the number of pages rewritten."""
    static = html_dir / "_static"
    manifest = static / BUNDLE_DIR / MANIFEST
    bundles: dict = {}
    if manifest.is_file():
        for name, entry in json.loads(manifest.read_text(encoding="utf-8")).items():
            if all((html_dir / s).is_file() for s in entry["sources"]):
                entry["hash"] = write_bundle(static, name, entry["sources"])
                bundles[name] = entry
    changed = 0
    for page in pages:
        text = page.read_text(encoding="utf-8")
        new = bundle_page(text, page.relative_to(html_dir).as_posix(), static, bundles)
        if new != text:
            page.write_text(new, encoding="utf-8")
            changed += 1
    if bundles:
        manifest.write_text(json.dumps(bundles, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return changed
