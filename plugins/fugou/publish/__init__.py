"""The analysts' copy: ``analytics.duckdb`` and the Parquet of the marts, swapped in after the gates pass."""

from fugou.publish.analytics_copy import publish

__all__ = ["publish"]
