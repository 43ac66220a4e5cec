"""The Data Docs index builder of fugou's GX context (named in its ``site_index_builder`` config; imported
by GX only when it builds the docs).

GX deletes, on every build, the suite pages of suites its context does not hold. fugou's context is
ephemeral and holds one gate's suites, so a marts build deleted the raw suites' pages, and the raw
validation pages' links to them led nowhere. This builder keeps the pages (the validation pages are kept
by GX anyway: their results are stored on disk)."""

from __future__ import annotations

from typing import Any

from great_expectations.render.renderer.site_builder import DefaultSiteIndexBuilder


class KeepingSiteIndexBuilder(DefaultSiteIndexBuilder):
    """:class:`DefaultSiteIndexBuilder` that never removes pages (``skip_and_clean_missing`` off)."""

    def build(self, skip_and_clean_missing: bool = True, build_index: bool = True) -> Any:
        return super().build(skip_and_clean_missing=False, build_index=build_index)
