"""The daily report ``reports/<D>/index.html``: its queries (:mod:`.queries`), charts (:mod:`.charts`)
and page (:mod:`.page`)."""

from fugou.report.page import SECTIONS, render_report

__all__ = ["SECTIONS", "render_report"]
