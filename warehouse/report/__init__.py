"""The journey report: one self-contained, offline HTML file drawn from the warehouse.

from warehouse.report import build_report
build_report(con, evaluation=None, out=Path("data/report.html"))
"""

from warehouse.report.page import build_report, render

__all__ = ["build_report", "render"]
