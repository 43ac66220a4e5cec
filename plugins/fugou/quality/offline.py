"""Great Expectations Data Docs that open without a network (:func:`localize_data_docs`).

GX 1.x renders pages that load Bootstrap, jQuery, bootstrap-table, Font Awesome, Vega and two logos from
public CDNs (its templates ``page.j2``, ``index_page.j2``, ``js_script_imports.j2``, ``top_navbar.j2``
and ``data_docs_default_styles.css``); offline the index is blank, since its tables are drawn by
JavaScript. After each build the rendered files are rewritten here:

* every known CDN file points to a copy shipped in ``fugou/quality/static/vendor`` (versions and sources
  in its README.md), copied with its licences to ``<docs>/static/fugou/`` so the folder is self-contained
  (it can be zipped and mailed); ``integrity``/``crossorigin`` go with the CDN address (a crossorigin
  script does not load from ``file://``);
* the GX logos point to GX's own ``static/images`` (the dark one to a recoloured copy of it);
* any other external address is dropped: a link becomes plain text, an unknown script or style sheet
  an empty tag, a CSS ``url()`` ``none`` and an ``@import`` nothing (logged);
* local references to ``static/`` that do not resolve (GX puts the favicon of a validation page one
  folder too high) are re-anchored at the docs root; other local references to missing files (a page
  GX deleted) are dropped too.
"""

from __future__ import annotations

import logging
import os
import posixpath
import re
import shutil
import sys
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, unquote

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
# where STATIC_DIR is copied inside the docs folder
DOCS_STATIC = "static/fugou"
_GX_ASSETS = "great-expectations-web-assets.s3.us-east-2.amazonaws.com/"
_VENDOR = DOCS_STATIC + "/vendor/"
DARK_LOGO = DOCS_STATIC + "/logo-long-dark.svg"

# external address (scheme, query and fragment dropped) -> file relative to the docs root
ASSETS: dict[str, str] = {
    "code.jquery.com/jquery-3.7.1.min.js": _VENDOR + "jquery-3.7.1/jquery.min.js",
    "cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": _VENDOR + "popper.js-1.12.9/popper.min.js",
    "maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": _VENDOR + "bootstrap-4.3.1/bootstrap.min.css",
    "stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": _VENDOR + "bootstrap-4.3.1/bootstrap.min.js",
    "unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css":
        _VENDOR + "bootstrap-table-1.19.1/bootstrap-table.min.css",
    "unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js":
        _VENDOR + "bootstrap-table-1.19.1/bootstrap-table.min.js",
    "unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
        _VENDOR + "bootstrap-table-1.19.1/bootstrap-table-filter-control.min.js",
    # the pages ask for 1.19.0's stylesheet (the index its .min); 1.19.1's has the same rules
    "unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css":
        _VENDOR + "bootstrap-table-1.19.1/bootstrap-table-filter-control.min.css",
    "unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css":
        _VENDOR + "bootstrap-table-1.19.1/bootstrap-table-filter-control.min.css",
    "cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css":
        _VENDOR + "bootstrap-datepicker-1.9.0/bootstrap-datepicker.min.css",
    "cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js":
        _VENDOR + "bootstrap-datepicker-1.9.0/bootstrap-datepicker.min.js",
    "cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css":
        _VENDOR + "bootstrap-dark-1.1.0/bootstrap-prefers-dark.min.css",
    "cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css":
        _VENDOR + "fontawesome-free-6.6.0/css/all.min.css",
    "cdn.jsdelivr.net/npm/vega@5": _VENDOR + "vega-5.33.1/vega.min.js",
    "cdn.jsdelivr.net/npm/vega-lite@5": _VENDOR + "vega-lite-5.23.0/vega-lite.min.js",
    "cdn.jsdelivr.net/npm/vega-embed@6": _VENDOR + "vega-embed-6.29.0/vega-embed.min.js",
    _GX_ASSETS + "logo-long.png": "static/images/logo-long.png",
    _GX_ASSETS + "full_logo_dark.png": DARK_LOGO,
}

_EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
_NOT_A_FILE = re.compile(r"^\s*(?:#|[a-z][a-z0-9+.-]*:)", re.IGNORECASE)  # anchors, data:, javascript:, mailto:
_ATTRIBUTE = re.compile(
    r"""(?P<lead>\s)(?P<name>src|href|integrity|crossorigin|style)"""
    r"""(?:\s*=\s*(?P<value>"[^"]*"|'[^']*'|[^\s"'=<>`]+))?""",
    re.IGNORECASE,
)
_CSS_IMPORT = re.compile(
    r"""@import\s+(?:url\(\s*)?(?P<q>["']?)(?P<url>[^"')\s;]+)(?P=q)\s*\)?[^;]*;""", re.IGNORECASE
)
_CSS_URL = re.compile(r"""url\(\s*(?P<q>["']?)(?P<url>.*?)(?P=q)\s*\)""", re.IGNORECASE | re.DOTALL)
_STATIC = re.compile(r"(?:^|/)(static/.+)$")


def is_external(url: str) -> bool:
    """An address that needs a network (``http://``, ``https://``, ``//host``, any ``scheme://``)."""
    return bool(_EXTERNAL.match(url))


def _asset_key(url: str) -> str:
    url = re.sub(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", "", url.strip(), flags=re.IGNORECASE)
    return re.split(r"[?#]", url, maxsplit=1)[0]


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):  # a name too long, a NUL
        return False


class _Localizer:
    """Rewrites the references of one file under ``docs``; ``dropped`` collects external addresses removed."""

    def __init__(self, docs: Path, path: Path) -> None:
        self.docs, self.here = docs, path.parent
        self.dropped: list[str] = []  # external addresses removed
        self.dangling: list[str] = []  # local references to files that do not exist, removed

    def _relative(self, target: str) -> str:
        return quote(posixpath.relpath(target, Path(os.path.relpath(self.here, self.docs)).as_posix()), safe="/")

    def url(self, url: str) -> str | None:
        """The local replacement of ``url``: unchanged if fine, None if it must go."""
        if is_external(url):
            target = ASSETS.get(_asset_key(url))
            if target and (self.docs / target).is_file():
                return self._relative(target)
            self.dropped.append(url)
            return None
        if _NOT_A_FILE.match(url) or not url.strip():
            return url
        path = unquote(re.split(r"[?#]", url, maxsplit=1)[0])
        if _exists(self.here / path):
            return url
        static = _STATIC.search(path)
        if static and _exists(self.docs / static.group(1)):
            return self._relative(static.group(1)) + url[len(url.split("#")[0].split("?")[0]):]
        self.dangling.append(url)
        return None

    def css(self, text: str) -> str:
        def _import(m: re.Match[str]) -> str:
            new = self.url(m["url"])
            return "" if new is None else m[0].replace(m["url"], new, 1)

        def _url(m: re.Match[str]) -> str:
            if m["url"].strip().lower().startswith("data:"):
                return m[0]
            new = self.url(m["url"])
            return "none" if new is None else f"url({m['q']}{new}{m['q']})"

        return _CSS_URL.sub(_url, _CSS_IMPORT.sub(_import, text))

    def tag(self, raw: str) -> str:
        """One start tag with its src/href/style rewritten (integrity/crossorigin dropped with a CDN)."""
        localized = False

        def _attribute(m: re.Match[str]) -> str:
            nonlocal localized
            name, value = m["name"].lower(), m["value"]
            if value is None or name in ("integrity", "crossorigin"):
                return m[0]
            quote_char = value[0] if value[0] in "\"'" else '"'
            inner = value[1:-1] if value[0] in "\"'" else value
            new = self.css(inner) if name == "style" else self.url(inner)
            if name != "style" and is_external(inner):
                localized = True
            if new is None:
                return ""
            return f"{m['lead']}{m['name']}={quote_char}{new}{quote_char}" if new != inner else m[0]

        new = _ATTRIBUTE.sub(_attribute, raw)
        if localized:
            # the address is local (or gone) now: subresource integrity and CORS no longer apply
            new = re.sub(
                r"""\s(?:integrity|crossorigin)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?""", "", new,
                flags=re.IGNORECASE,
            )
        return new


class _Parts(HTMLParser):
    """Where the start tags and the ``<style>`` contents of a document are (offsets into its text)."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=False)
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.tags: list[tuple[int, str]] = []
        self.styles: list[tuple[int, str]] = []
        self._in_style = False
        self.feed(text)
        self.close()

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append((self._offset(), self.get_starttag_text() or ""))
        self._in_style = tag == "style"

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.tags.append((self._offset(), self.get_starttag_text() or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append((self._offset(), data))


def localize_html(text: str, rewrite: _Localizer) -> str:
    """``text`` (an HTML document) with its tags' and inline styles' references rewritten."""
    parts = _Parts(text)
    edits: list[tuple[int, str, str]] = [(at, raw, rewrite.tag(raw)) for at, raw in parts.tags]
    edits += [(at, css, rewrite.css(css)) for at, css in parts.styles]
    out, last = [], 0
    for at, old, new in sorted(edits, key=lambda e: e[0]):
        if new == old or at < last or text[at:at + len(old)] != old:
            continue
        out += [text[last:at], new]
        last = at + len(old)
    out.append(text[last:])
    return "".join(out)


def install_assets(docs: Path) -> bool:
    """Copy the vendored files (and their README and licences) to ``<docs>/static/fugou``; True when they
    were missing or out of date. Also the dark logo: GX's vector logo with white lettering."""
    target = docs / DOCS_STATIC
    readme = target / "README.md"
    fresh = (
        not readme.is_file()
        or readme.read_bytes() != (STATIC_DIR / "README.md").read_bytes()
        or not all((docs / f).is_file() for f in ASSETS.values() if f.startswith(_VENDOR))
    )
    if fresh:
        shutil.copytree(STATIC_DIR, target, dirs_exist_ok=True)
    logo = docs / "static" / "images" / "logo-long-vector.svg"
    if logo.is_file() and not (docs / DARK_LOGO).is_file():
        svg = logo.read_text(encoding="utf-8")
        # the lettering group (the only one with a font) is black; the round logo keeps its colours
        svg = re.sub(r'(<g\b[^>]*?)fill="#000000"([^>]*font-family)', r'\1fill="#FFFFFF"\2', svg, count=1)
        (docs / DARK_LOGO).write_text(svg, encoding="utf-8")
    return fresh


def localize_data_docs(docs: Path, since: float | None = None) -> list[Path]:
    """Make the Data Docs under ``docs`` self-contained; return the files rewritten.

    With ``since`` (a :func:`time.time`), only pages modified since then, the index and the style sheets
    are read (a build renders only its own run's pages), unless the vendored files were just (re)installed.
    """
    docs = Path(docs)
    if not docs.is_dir():
        return []
    if install_assets(docs):
        since = None
    vendored = docs / DOCS_STATIC
    changed: list[Path] = []
    dropped: set[str] = set()
    for path in sorted(docs.rglob("*")):
        if path.suffix.lower() not in (".html", ".htm", ".css") or not path.is_file():
            continue
        if path.is_relative_to(vendored):
            continue
        if since is not None and path.suffix.lower() != ".css" and path != docs / "index.html" \
                and path.stat().st_mtime < since:
            continue
        text = path.read_text(encoding="utf-8")
        rewrite = _Localizer(docs, path)
        convert: Callable[[str], str] = rewrite.css if path.suffix.lower() == ".css" else (
            lambda t, r=rewrite: localize_html(t, r))
        new = convert(text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
        dropped.update(u for u in rewrite.dropped if _asset_key(u) not in ASSETS)
        if rewrite.dangling:
            log.info("Data Docs: %s: links to missing files removed: %s", path.relative_to(docs),
                     ", ".join(rewrite.dangling[:5]))
    unknown = sorted(u for u in dropped if "greatexpectations.io" not in u)
    if unknown:
        log.warning("Data Docs: %d external address(es) without a local copy removed: %s", len(unknown),
                    ", ".join(unknown[:10]))
    return changed


def main(argv: list[str] | None = None) -> int:
    """``python -m fugou.quality.offline [DOCS_DIR]``: localize every page of an existing Data Docs folder
    (default ``$FUGOU_HOME/quality/data_docs``), e.g. one rendered before fugou did this itself."""
    from fugou.settings import paths

    args = sys.argv[1:] if argv is None else argv
    docs = Path(args[0]) if args else paths().quality / "data_docs"
    changed = localize_data_docs(docs)
    print(f"{len(changed)} file(s) rewritten under {docs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
