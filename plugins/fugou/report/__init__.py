"""The daily report ``reports/<D>/index.html``: its queries (:mod:`.queries`, :mod:`.queries_outcomes`),
charts (:mod:`.charts`), the "did it pay?" charts and tables (:mod:`.payback`), the links to the day's
files (:mod:`.links`) and the page (:mod:`.page`)."""

from fugou.report.page import SECTIONS, render_report

__all__ = ["SECTIONS", "render_report"]
