"""The quality pages open with no network: after real gates (real GX, small data) every .html/.css/.js file
under ``$FUGOU_HOME/quality`` references nothing external, every local reference resolves inside the
folder, and the entry point ``quality/data_docs/index.html`` shows the suites and the failed expectation."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
from quality_frames import DAY, snapshot, snapshot_frames

from fugou import quality
from fugou.quality.offline import localize_data_docs
from fugou.settings import Paths

# ------------------------------------------------------------------------------------ reference checks

EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)  # http://, https://, //host, file://
NOT_A_FILE = re.compile(r"^\s*(?:#|data:|javascript:|mailto:|about:)", re.IGNORECASE)
URL_ATTRIBUTES = {"src", "href", "srcset", "poster", "data", "action", "formaction", "background", "xlink:href",
                  "manifest", "cite", "longdesc"}
CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)"']*))\s*\)""", re.IGNORECASE)
CSS_IMPORT = re.compile(r"""@import\s+(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
SOURCE_MAP = re.compile(r"[#@]\s*sourceMappingURL=([^\s*]+)")
JS_IMPORT = re.compile(r"""(?:\bimport\s*\(|\bimportScripts\s*\(|\bimport\s[^;'"]*?\bfrom)\s*['"]([^'"]+)['"]""")
ROW_LINK = re.compile(r"""'_table_row_link_path':\s*'([^']*)'""")  # the GX index's rows (a script's data)


def css_references(css: str) -> list[str]:
    refs = [next(g for g in m.groups() if g is not None) for m in CSS_URL.finditer(css)]
    refs += [m.group(1) or m.group(2) for m in CSS_IMPORT.finditer(css)]
    return refs + SOURCE_MAP.findall(css)


class References(HTMLParser):
    """Every address an HTML document would load or link to."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self._raw: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if value is None:
                continue
            if name in URL_ATTRIBUTES:
                self.refs += [part.split()[0] for part in value.split(",") if part.strip()] if name == "srcset" \
                    else [value]
            elif name == "style":
                self.refs += css_references(value)
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh":
            self.refs += re.findall(r"url\s*=\s*(\S+)", values.get("content") or "", re.IGNORECASE)
        self._raw = tag if tag in ("style", "script") else None

    def handle_endtag(self, tag: str) -> None:
        self._raw = None

    def handle_data(self, data: str) -> None:
        if self._raw == "style":
            self.refs += css_references(data)
        elif self._raw == "script":
            self.refs += JS_IMPORT.findall(data) + SOURCE_MAP.findall(data) + ROW_LINK.findall(data)


def references(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".css":
        return css_references(text)
    if path.suffix == ".js":
        return JS_IMPORT.findall(text) + SOURCE_MAP.findall(text)
    parser = References()
    parser.feed(text)
    parser.close()
    return parser.refs


def problems(root: Path) -> list[str]:
    """External references and local ones that do not resolve (inside ``root``), in every page under it."""
    found = []
    pages = [p for p in root.rglob("*") if p.suffix in (".html", ".htm", ".css", ".js") and p.is_file()]
    assert pages
    for page in pages:
        for ref in references(page):
            where = f"{page.relative_to(root)}: {ref[:120]}"
            if EXTERNAL.match(ref):
                found.append("external " + where)
                continue
            if NOT_A_FILE.match(ref) or not ref.strip():
                continue
            local = unquote(re.split(r"[?#]", ref.strip(), maxsplit=1)[0])
            if not local:
                continue
            target = (page.parent / local).resolve()
            if local.startswith("/") or not target.is_relative_to(root.resolve()):
                found.append("outside the folder " + where)
            elif not target.exists():
                found.append("missing " + where)
    return found


# ------------------------------------------------------------------------------------------- gates


def add_orders(con, day: str, rows: list[dict]) -> None:
    for i, row in enumerate(rows, start=1):
        v = {"order_id": f"{day}-{i}", "customer_id": f"c{i}", "amount": 100, "status": "paid", **row}
        con.execute(
            "insert into raw.orders (order_id, customer_id, paid_at, amount, status, refund_amount, "
            "_partition_date, _source_file, _source_line, _loaded_at) values (?, ?, ?, ?, ?, null, ?, ?, ?, now())",
            [v["order_id"], v["customer_id"], f"{day} 10:00:00", v["amount"], v["status"], day,
             f"landing/orders/{day}/orders.csv", i + 1],
        )


def run_gates(p: Paths, con) -> tuple[quality.GateResult, quality.GateResult]:
    """The raw gate failing (a duplicated order id, an unknown status), then a clean customer-facts check:
    two Data Docs builds into the same folder (the second rewrites only its own pages)."""
    (p.home / "fugou.toml").write_text("[quality]\ndata_docs = true\n")
    add_orders(con, DAY, [{}, {"order_id": f"{DAY}-1"}, {"status": "lost"}])
    con.close()
    with pytest.raises(quality.QualityGateError) as err:
        quality.run_gate("raw", DAY, p)
    raw = err.value.result
    suites = quality.load_suites()
    cfg = quality.quality_config(p)
    expected = suites.customer_facts.Reconciliation(customers=3, orders=8, revenue=22100.5)
    frames = snapshot_frames(snapshot())
    batches = suites.customer_facts.batches(DAY, frames, expected, cfg["customer_facts"], cfg["warning"])
    marts = quality.check_batches("marts", DAY, batches, p, docs=True)
    return raw, marts


@pytest.fixture
def gates(fugou_home: Paths, warehouse) -> tuple[quality.GateResult, quality.GateResult]:
    return run_gates(fugou_home, warehouse)


def test_quality_pages_reference_nothing_outside_the_folder(fugou_home, gates):
    raw, marts = gates
    docs = fugou_home.quality / "data_docs"
    index = docs / "index.html"
    assert raw.data_docs == marts.data_docs == str(index) and index.is_file()
    assert raw.failed_checks() == ["raw.orders.order_id_unique", "raw.orders.status_known"] and marts.passed

    assert problems(fugou_home.quality) == []
    assert problems(docs) == []  # the docs folder alone is self-contained (it can be zipped and mailed)
    # the vendored copies made it (the GX pages really use them), with their README and licences
    vendored = docs / "static" / "fugou"
    assert (vendored / "README.md").is_file() and (vendored / "LICENSES" / "jquery.txt").is_file()
    head = index.read_text(encoding="utf-8")
    for used in ("jquery-3.7.1/jquery.min.js", "bootstrap-4.3.1/bootstrap.min.css",
                 "bootstrap-table-1.19.1/bootstrap-table.min.js", "fontawesome-free-6.6.0/css/all.min.css"):
        assert f'"static/fugou/vendor/{used}"' in head
    assert "integrity=" not in head and "crossorigin" not in head  # a crossorigin script fails from file://

    # the entry point: GX's index (both layers' suites) with fugou's box of the latest gates on top
    for suite in ("raw.orders", "raw.customers", "raw.order_items", "raw.opt_outs", "customer_facts.snapshot"):
        assert suite in head
    assert 'href="fugou/raw.html"' in head and 'href="fugou/marts.html"' in head
    box = head[head.index("<!-- fugou:gates -->"):head.index("<!-- /fugou:gates -->")]
    assert "FAILED" in box and "raw.orders.order_id_unique" in box and "raw.orders.status_known" in box

    # fugou's own page of the raw gate: every check, the failed ones with their counts and examples
    page = (docs / "fugou" / "raw.html").read_text(encoding="utf-8")
    assert "Quality gate raw for 2024-03-10: FAILED" in page
    failed_row = re.search(r'<tr class="check failed">.*?raw\.orders\.order_id_unique.*?</tr>', page)
    assert failed_row and "failed (blocking)" in failed_row[0] and "2 of 3" in failed_row[0]
    assert "expect_column_values_to_be_unique" in failed_row[0] and f"order_id={DAY}-1" in failed_row[0]
    status_row = re.search(r'<tr class="check failed">.*?raw\.orders\.status_known.*?</tr>', page)
    assert status_row and "1 of 3" in status_row[0] and "status=lost" in status_row[0]
    assert 'class="check passed"' in page and "raw.orders.row_count_not_collapsing" in page  # passed, skipped
    gx_link = re.search(r'href="\.\./(validations/raw/orders/[^"]+\.html)"', page)
    assert gx_link, "the raw.orders suite links to its GX validation page"
    gx_page = (docs / unquote(gx_link[1])).read_text(encoding="utf-8")
    assert "values must be unique" in gx_page and "Failed" in gx_page
    assert "customer_facts.snapshot" in (docs / "fugou" / "marts.html").read_text(encoding="utf-8")


def test_unknown_external_references_are_dropped(tmp_path):
    """Whatever a future GX adds: addresses without a local copy go (links become text), known ones are
    served locally, at any depth, and a run over clean files changes nothing."""
    docs = tmp_path / "data_docs"
    page = docs / "validations" / "s" / "run 1" / "page.html"
    page.parent.mkdir(parents=True)
    (docs / "static" / "images").mkdir(parents=True)
    (docs / "static" / "images" / "favicon.ico").write_bytes(b"\0")
    page.write_text(
        '<html><head><link rel="stylesheet" href="//cdn.example.com/x.css">'
        '<script src="https://code.jquery.com/jquery-3.7.1.min.js" integrity="sha384-x" crossorigin="anonymous">'
        '</script><script src="http://cdn.example.com/new.js"></script>'
        '<link rel="icon" href="../../static/images/favicon.ico">'
        "<style>@import 'https://fonts.example.com/f.css'; .a { background: url(https://x.example/a.png) }"
        ' .b { background: url("data:image/svg+xml,%3csvg xmlns=\'http://www.w3.org/2000/svg\'%3e") }</style>'
        "</head><body><a href=\"https://greatexpectations.io\">GX</a>"
        '<div style="background-image: url(\'//x.example/b.png\')">x</div>'
        "<script>var html = '<a href=\"https://in.a.script\">';</script></body></html>",
        encoding="utf-8",
    )
    assert localize_data_docs(docs) == [page]
    text = page.read_text(encoding="utf-8")
    assert problems(docs) == []
    assert '<script src="../../../static/fugou/vendor/jquery-3.7.1/jquery.min.js"></script>' in text
    assert '<a>GX</a>' in text and "data:image/svg+xml" in text
    assert 'href="../../../static/images/favicon.ico"' in text  # re-anchored at the docs root
    assert "https://in.a.script" in text  # script text is not markup: left alone
    assert localize_data_docs(docs) == []
