"""Files for the shop's operator, written from dbt models: the day's send lists and the evaluation files."""

from fugou.export.evaluation_files import EvaluationExportError, export_evaluations
from fugou.export.list_layout import CHANNEL_COLUMNS
from fugou.export.send_lists import ExportError, export_send_lists

__all__ = ["CHANNEL_COLUMNS", "EvaluationExportError", "ExportError", "export_evaluations", "export_send_lists"]
