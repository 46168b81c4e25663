"""The built book as a SCORM 1.2 or 2004 package: one SCO per chapter of the table of contents.

Why one SCO per chapter, not one for the book: an LMS then shows a score and a status per
chapter (what an instructor reads in a gradebook), and a chapter's resume data stays well
inside SCORM 1.2's 4,096 characters of ``cmi.suspend_data`` (the whole book's answers would
not). Each SCO is a small launch page (``sco-<chapter>.html``) that holds the session with the
LMS and shows the chapter's pages in a frame; the book's navigation keeps working, and the
pages of the chapter report to it through ``_static/course-scorm.js``, which the packager puts
first on every page. The organisation follows the book's table of contents (its captions
become folders). Nothing in the package loads from or sends to anywhere but the LMS's API.
"""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree as ET

from course_utils.lms.errors import LmsExportError

VERSIONS = ("1.2", "2004")
BRIDGE_JS = "course-scorm.js"
SESSION_JS = "course-scorm-session.js"
SKIP = {".buildinfo", "imsmanifest.xml"}
ZIP_DATE = (2020, 1, 1, 0, 0, 0)
_QID = re.compile(r'data-selfcheck-id="([^"]+)"')
_REFRESH = re.compile(r'http-equiv="Refresh"\s+content="0;\s*url=([^"]+)"', re.I)
_HEAD = re.compile(r"<head[^>]*>", re.I)
_CHARSET = re.compile(r"<meta\s+charset=[^>]*>", re.I)


@dataclass
class TocEntry:
    """One page of the sidebar and the pages under it (paths relative to the book folder)."""

    title: str
    href: str
    children: list[TocEntry] = field(default_factory=list)

    def pages(self) -> list[str]:
        return [self.href, *(p for c in self.children for p in c.pages())]


@dataclass
class Sco:
    """One chapter as a SCO: its launch page, its pages and the self-checks on them."""

    key: str
    title: str
    pages: list[str]
    questions: list[str]
    caption: str | None = None

    @property
    def launch(self) -> str:
        return f"sco-{self.key}.html"


class _SidebarParser(HTMLParser):
    """Reads the book theme's sidebar: captions, ``toctree-l1`` pages and their sub-pages."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[tuple[str | None, list[TocEntry]]] = []
        self.book_title = ""
        self._in_nav = 0
        self._stack: list[tuple[int, TocEntry]] = []
        self._text: list[str] | None = None
        self._anchor: tuple[int, str] | None = None
        self._caption = False
        self._home = False
        self._level = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "nav" and "bd-docs-nav" in classes:
            self._in_nav = 1
            return
        if not self._in_nav:
            return
        if tag == "nav":
            self._in_nav += 1
        if tag == "ul" and "bd-sidenav__home-link" in classes:
            self._home = True
        if tag == "span" and "caption-text" in classes:
            self._caption, self._text = True, []
        if tag == "li":
            level = next((int(c[9:]) for c in classes if c.startswith("toctree-l") and c[9:].isdigit()), 0)
            self._level = level
        if tag == "a" and a.get("href") and self._level and not self._home:
            self._anchor, self._text = (self._level, a["href"] or ""), []
        elif tag == "a" and self._home:
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if not self._in_nav:
            return
        if tag == "nav":
            self._in_nav -= 1
        if tag == "span" and self._caption:
            self.parts.append(("".join(self._text or []).strip(), []))
            self._caption, self._text = False, None
        if tag == "a" and self._home and self._text is not None:
            self.book_title = " ".join("".join(self._text).split())
            self._text = None
        if tag == "ul" and self._home:
            self._home = False
        if tag == "a" and self._anchor and self._text is not None:
            level, href = self._anchor
            entry = TocEntry(" ".join("".join(self._text).split()), href)
            while self._stack and self._stack[-1][0] >= level:
                self._stack.pop()
            if self._stack:
                self._stack[-1][1].children.append(entry)
            else:
                if not self.parts:
                    self.parts.append((None, []))
                self.parts[-1][1].append(entry)
            self._stack.append((level, entry))
            self._anchor, self._text = None, None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


def _root_page(html_dir: Path) -> str:
    index = html_dir / "index.html"
    if not index.is_file():
        raise LmsExportError("no index.html: give the built book's html folder (e.g. _build/html)",
                             file=str(html_dir))
    match = _REFRESH.search(index.read_text(encoding="utf-8", errors="replace"))
    return match.group(1) if match else "index.html"


def read_toc(html_dir: Path) -> tuple[str, str, list[tuple[str | None, list[TocEntry]]]]:
    """The book's title, root page and table of contents (paths relative to ``html_dir``)."""
    root = _root_page(html_dir)
    page = html_dir / root
    if not page.is_file():
        raise LmsExportError(f"the start page {root} is missing", file=str(html_dir))
    parser = _SidebarParser()
    parser.feed(page.read_text(encoding="utf-8", errors="replace"))
    folder = PurePosixPath(root).parent

    def fix(entry: TocEntry) -> None:
        path = (folder / entry.href.split("#")[0]).as_posix()
        entry.href = re.sub(r"(^|/)\./", r"\1", path)
        for child in entry.children:
            fix(child)

    for _, entries in parser.parts:
        for entry in entries:
            fix(entry)
    if not any(entries for _, entries in parser.parts):
        raise LmsExportError("no table of contents found in the sidebar of the start page",
                             file=str(page))
    return parser.book_title or "Course", root, parser.parts


def _key_of(href: str) -> str:
    path = PurePosixPath(href)
    name = path.parent.name if path.stem == "index" and path.parent.name else path.stem
    return re.sub(r"[^A-Za-z0-9-]+", "-", name).strip("-") or "page"


def plan(html_dir: Path) -> tuple[str, list[Sco]]:
    """The book's title and its SCOs, in table-of-contents order."""
    title, root, parts = read_toc(html_dir)
    scos: list[Sco] = []

    def questions(pages: list[str]) -> list[str]:
        found: list[str] = []
        for page in pages:
            file = html_dir / page
            if not file.is_file():
                raise LmsExportError("a page of the table of contents is missing", file=str(file))
            for qid in _QID.findall(file.read_text(encoding="utf-8", errors="replace")):
                if qid not in found:
                    found.append(qid)
        return found

    scos.append(Sco(_key_of(root), title, [root], questions([root])))
    used = {scos[0].key}
    for caption, entries in parts:
        for entry in entries:
            key = _key_of(entry.href)
            while key in used:
                key += "-x"
            used.add(key)
            scos.append(Sco(key, entry.title, entry.pages(), questions(entry.pages()), caption))
    return title, scos


def _asset(name: str) -> bytes:
    return resources.files("course_utils.lms").joinpath("static", name).read_bytes()


def inject_bridge(text: str, depth: int) -> str:
    """Put the bridge script first in ``<head>`` (after the charset), so it runs before the
    self-check script and the theme's scripts."""
    tag = f'<script src="{"../" * depth}_static/{BRIDGE_JS}"></script>'
    charset = _CHARSET.search(text)
    head = _HEAD.search(text)
    if not head:
        return text
    at = charset.end() if charset and charset.start() > head.start() else head.end()
    return text[:at] + tag + text[at:]


def launch_page(sco: Sco, version: str) -> str:
    """The launch page of one SCO."""
    config = {"sco": sco.key, "version": version, "pages": sco.pages, "questions": sco.questions,
              "start": sco.pages[0]}
    payload = json.dumps(config, ensure_ascii=False).replace("<", "\\u003c")
    title = html.escape(sco.title)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{title}</title>"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<style>html,body{margin:0;height:100%;overflow:hidden}"
        "iframe{display:block;border:0;width:100%;height:100%}</style>"
        f'<script type="application/json" id="course-scorm-config">{payload}</script>'
        f'<script src="_static/{SESSION_JS}"></script></head>'
        f'<body><iframe id="course-scorm-frame" title="{title}"></iframe>'
        f'<noscript><p><a href="{html.escape(sco.pages[0])}">{title}</a></p></noscript>'
        "</body></html>\n")


def _manifest(title: str, scos: list[Sco], files: list[str], version: str) -> bytes:
    if version == "1.2":
        ns = {"": "http://www.imsproject.org/xsd/imscp_rootv1p1p2",
              "adlcp": "http://www.adlnet.org/xsd/adlcp_rootv1p2"}
        schemaversion, scormtype = "1.2", "adlcp:scormtype"
    else:
        ns = {"": "http://www.imsglobal.org/xsd/imscp_v1p1",
              "adlcp": "http://www.adlnet.org/xsd/adlcp_v1p3"}
        schemaversion, scormtype = "2004 4th Edition", "adlcp:scormType"
    attrs = {"identifier": f"course-scorm-{version.replace('.', '')}", "version": "1",
             "xmlns": ns[""], "xmlns:adlcp": ns["adlcp"]}
    manifest = ET.Element("manifest", attrs)
    meta = ET.SubElement(manifest, "metadata")
    ET.SubElement(meta, "schema").text = "ADL SCORM"
    ET.SubElement(meta, "schemaversion").text = schemaversion
    orgs = ET.SubElement(manifest, "organizations", default="course-org")
    org = ET.SubElement(orgs, "organization", identifier="course-org")
    ET.SubElement(org, "title").text = title
    folders: dict[str | None, ET.Element] = {}
    for sco in scos:
        parent = org
        if sco.caption:
            if sco.caption not in folders:
                folder = ET.SubElement(org, "item", identifier=f"part-{len(folders) + 1}")
                ET.SubElement(folder, "title").text = sco.caption
                folders[sco.caption] = folder
            parent = folders[sco.caption]
        item = ET.SubElement(parent, "item", identifier=f"item-{sco.key}",
                             identifierref=f"res-{sco.key}")
        ET.SubElement(item, "title").text = sco.title
    res = ET.SubElement(manifest, "resources")
    for sco in scos:
        resource = ET.SubElement(res, "resource", {"identifier": f"res-{sco.key}", "type": "webcontent",
                                                   scormtype: "sco", "href": sco.launch})
        ET.SubElement(resource, "file", href=sco.launch)
        ET.SubElement(resource, "dependency", identifierref="book-files")
    shared = ET.SubElement(res, "resource", {"identifier": "book-files", "type": "webcontent",
                                             scormtype: "asset"})
    for name in files:
        ET.SubElement(shared, "file", href=name)
    ET.indent(manifest)
    return ET.tostring(manifest, encoding="utf-8", xml_declaration=True) + b"\n"


@dataclass
class PackageReport:
    """What went into a package (for the command's summary and the tests)."""

    title: str
    version: str
    scos: list[Sco]
    files: int


def scorm_package(html_dir: str | Path, out: str | Path, *, version: str = "1.2") -> PackageReport:
    """Write the SCORM package of the built book at ``html_dir`` to the zip file ``out``."""
    if version not in VERSIONS:
        raise LmsExportError(f"unknown SCORM version {version!r} (use 1.2 or 2004)")
    html_dir = Path(html_dir)
    if not html_dir.is_dir():
        raise LmsExportError("not a folder (give the built book, e.g. _build/html)", file=str(html_dir))
    title, scos = plan(html_dir)
    contents: dict[str, bytes] = {}
    for file in sorted(p for p in html_dir.rglob("*") if p.is_file()):
        rel = file.relative_to(html_dir).as_posix()
        if rel in SKIP or rel.startswith(".doctrees/"):
            continue
        data = file.read_bytes()
        if file.suffix == ".html":
            text = data.decode("utf-8", errors="replace")
            data = inject_bridge(text, rel.count("/")).encode("utf-8")
        contents[rel] = data
    for name in (BRIDGE_JS, SESSION_JS):
        contents[f"_static/{name}"] = _asset(name)
    for sco in scos:
        contents[sco.launch] = launch_page(sco, version).encode("utf-8")
    files = sorted(contents)
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in [("imsmanifest.xml", _manifest(title, scos, files, version)),
                           *((n, contents[n]) for n in files)]:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(stream.getvalue())
    return PackageReport(title, version, scos, len(files) + 1)
