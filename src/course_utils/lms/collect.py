"""Gather the self-check questions of a bank, a page or a whole book, grouped by chapter.

A book folder is read the way the book shows it: every ``{selfcheck}`` directive of every
Markdown page (a YAML body or ``:bank:`` + ``:id:``), then every question of a chapter's
``questions.yml`` that no page shows. A chapter is a folder with an ``index.md`` (its title is
that page's first heading); a page outside such a folder is a chapter of its own. Chapters come
in the order of ``_toc.yml`` when one is found at or above the folder.

Questions that notebooks compute with ``show({...})`` at run time are not read (their answers
exist only after the notebook runs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt
from mdit_py_plugins.colon_fence import colon_fence_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from course_utils.lms.errors import LmsExportError
from course_utils.selfcheck import SelfCheckError, load_bank
from course_utils.selfcheck.spec import question_from_yaml

BANK_NAME = "questions.yml"
SKIP_DIRS = {"_build", "node_modules", "dist", "grades", "__pycache__", "site-packages"}
_OPTION = re.compile(r"^:([A-Za-z_-]+):\s*(.*)$")
_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)


@dataclass
class Chapter:
    """One chapter's questions, in the order the book shows them."""

    key: str
    """Stable short name (the chapter folder, or the page / bank file stem)."""
    title: str
    questions: list[dict[str, Any]] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    """Question id -> where it was read (``file:line`` or the bank file)."""


def display_path(path: Path) -> str:
    """``path`` relative to the working folder when it lies inside it, else absolute."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark").use(front_matter_plugin).use(colon_fence_plugin)


def _split_options(body: str) -> tuple[dict[str, str], str, int]:
    """Directive options (``:key: value`` lines or a ``---`` YAML block) and the rest of the body."""
    lines = body.split("\n")
    options: dict[str, str] = {}
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is not None:
            data = yaml.safe_load("\n".join(lines[1:end])) or {}
            if isinstance(data, dict):
                options = {str(k): str(v) for k, v in data.items()}
            return options, "\n".join(lines[end + 1:]), end + 1
    used = 0
    for line in lines:
        match = _OPTION.match(line.strip())
        if not match:
            break
        options[match.group(1)] = match.group(2).strip()
        used += 1
    return options, "\n".join(lines[used:]), used


def page_questions(page: Path) -> list[tuple[dict[str, Any], str, Path | None]]:
    """The questions of one Markdown page: ``(spec, where, bank or None)`` in page order."""
    name = display_path(page)
    try:
        text = page.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LmsExportError(f"cannot read the page: {exc}", file=name) from None
    found = []
    for token in _markdown().parse(text):
        if token.type not in ("fence", "colon_fence"):
            continue
        info = token.info.strip()
        if not info.startswith("{selfcheck}"):
            continue
        fence_line = token.map[0] if token.map else 0
        options, body, used = _split_options(token.content)
        where = f"{name}:{fence_line + 1}"
        if "bank" in options or "id" in options:
            qid = options.get("id", "").strip()
            if "bank" not in options or not qid:
                raise LmsExportError("a question from a bank needs both :bank: and :id:", file=where,
                                     item=qid or None)
            bank = (page.parent / options["bank"]).resolve()
            if not bank.is_file():
                raise LmsExportError(f"question bank {options['bank']!r} not found", file=where,
                                     item=qid)
            questions = load_bank(bank, display=display_path(bank))
            if qid not in questions:
                raise LmsExportError(f"no question with this id in {display_path(bank)}", file=where,
                                     item=qid)
            found.append((questions[qid], f"{display_path(bank)} (shown at {where})", bank))
        else:
            spec = question_from_yaml(body, file=name, line_offset=fence_line + 1 + used)
            found.append((spec, where, None))
    return found


def _skip(path: Path, root: Path) -> bool:
    parts = path.relative_to(root).parts[:-1]
    return any(p in SKIP_DIRS or p.startswith(".") for p in parts)


def _title_of(page: Path, fallback: str) -> str:
    try:
        match = _HEADING.search(page.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        match = None
    return match.group(1).strip() if match else fallback


def _chapter_of(path: Path) -> tuple[str, Path, Path | None]:
    """(key, folder or file that names it, page whose heading is its title)."""
    index = path.parent / "index.md"
    if index.is_file():
        return path.parent.name, path.parent, index
    if path.suffix == ".md":
        return path.stem, path, path
    return path.stem, path, None


def _toc_files(node: Any, folder: Path, files: list[Path]) -> None:
    if isinstance(node, dict):
        for key in ("root", "file"):
            if isinstance(node.get(key), str):
                files.append((folder / node[key]).with_suffix("").resolve())
        node = [v for v in node.values() if isinstance(v, (list, dict))]
    if isinstance(node, list):
        for value in node:
            _toc_files(value, folder, files)


def _toc_order(start: Path) -> list[Path]:
    """The files listed in the nearest ``_toc.yml`` at or above ``start`` (resolved, in order)."""
    for folder in (start, *start.parents):
        toc = folder / "_toc.yml"
        if toc.is_file():
            try:
                data = yaml.safe_load(toc.read_text(encoding="utf-8"))
            except (OSError, yaml.YAMLError):
                return []
            files: list[Path] = []
            _toc_files(data, folder, files)
            return files
    return []


class _Collector:
    def __init__(self) -> None:
        self.chapters: dict[str, Chapter] = {}
        self.anchors: dict[str, Path] = {}
        self.seen: dict[str, tuple[dict[str, Any], str]] = {}

    def add(self, spec: dict[str, Any], where: str, origin: Path) -> None:
        qid = spec["id"]
        if qid in self.seen:
            first, first_where = self.seen[qid]
            if first != spec:
                raise LmsExportError(f"duplicate id (also defined differently at {first_where})",
                                     file=where, item=qid)
            return
        self.seen[qid] = (spec, where)
        key, anchor, title_page = _chapter_of(origin)
        if key not in self.chapters:
            title = _title_of(title_page, key) if title_page else key
            self.chapters[key] = Chapter(key=key, title=title)
            self.anchors[key] = anchor
        chapter = self.chapters[key]
        chapter.questions.append(spec)
        chapter.sources[qid] = where


def collect(path: str | Path, *, chapter: str | None = None) -> list[Chapter]:
    """The questions at ``path`` (a bank ``.yml``, a ``.md`` page or a book folder) by chapter.

    ``chapter`` keeps one chapter: its key (``01-know-thy-technology``) or a prefix of it
    (``01``). Bad questions raise :class:`LmsExportError` naming the file, the question and
    the problem.
    """
    path = Path(path)
    if not path.exists():
        raise LmsExportError("no such file or folder", file=str(path))
    collector = _Collector()
    try:
        if path.is_file() and path.suffix in (".yml", ".yaml"):
            for spec in load_bank(path, display=display_path(path)).values():
                collector.add(spec, display_path(path), path.resolve())
        elif path.is_file() and path.suffix == ".md":
            for spec, where, _bank in page_questions(path):
                collector.add(spec, where, path.resolve())
        elif path.is_dir():
            _collect_book(path.resolve(), collector)
        else:
            raise LmsExportError("expected a question bank (.yml), a page (.md) or a book folder",
                                 file=str(path))
    except SelfCheckError as exc:
        raise LmsExportError(exc.one_line(with_where=False), file=exc.where() or str(path),
                             item=None) from None
    chapters = _ordered(collector, path.resolve())
    if chapter is not None:
        chapters = _pick(chapters, chapter, str(path))
    if not any(c.questions for c in chapters):
        raise LmsExportError("no self-check questions found", file=str(path))
    return chapters


def _collect_book(root: Path, collector: _Collector) -> None:
    pages = sorted(p for p in root.rglob("*.md") if not _skip(p, root))
    for page in pages:
        for spec, where, _bank in page_questions(page):
            collector.add(spec, where, page)
    banks = sorted(p for p in root.rglob(BANK_NAME) if not _skip(p, root))
    for bank in banks:
        for spec in load_bank(bank, display=display_path(bank)).values():
            collector.add(spec, display_path(bank), bank)


def _ordered(collector: _Collector, start: Path) -> list[Chapter]:
    toc = _toc_order(start if start.is_dir() else start.parent)
    rank = {p: i for i, p in enumerate(toc)}

    def position(key: str) -> tuple[int, str]:
        anchor = collector.anchors[key]
        candidates = [anchor.with_suffix("").resolve(), (anchor / "index").resolve()]
        found = [rank[c] for c in candidates if c in rank]
        return (min(found) if found else len(rank), key)

    return [collector.chapters[k] for k in sorted(collector.chapters, key=position)]


def _pick(chapters: list[Chapter], wanted: str, where: str) -> list[Chapter]:
    exact = [c for c in chapters if c.key == wanted]
    if exact:
        return exact
    prefix = [c for c in chapters if c.key.startswith(wanted)]
    if len(prefix) == 1:
        return prefix
    known = ", ".join(c.key for c in chapters) or "none"
    problem = "matches several chapters" if prefix else "no such chapter"
    raise LmsExportError(f"--chapter {wanted!r} {problem} (chapters: {known})", file=where)
