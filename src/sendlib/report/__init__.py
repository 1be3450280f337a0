"""The monthly report: ``refresh()`` runs the notebooks on an extract and publishes ``reports/<period>/``.

One job per module:

- :mod:`~sendlib.report.pipeline`: :func:`refresh`, the steps in order;
- :mod:`~sendlib.report.run`: which notebooks run and running one with Papermill (HTML copy included);
- :mod:`~sendlib.report.handover`: the loaded extract handed privately to the notebook kernels
  (:func:`load_for_report`);
- :mod:`~sendlib.report.paragraph`: ``headlines.csv`` and the drafted committee paragraph
  (``headlines.md``, :func:`~sendlib.report.paragraph.spend_sentence`);
- :mod:`~sendlib.report.tables`: ``tables.xlsx`` (gptables); :mod:`~sendlib.report.charts`: ``charts/``;
- :mod:`~sendlib.report.index`: ``index.html`` from ``templates/index.html``;
- :mod:`~sendlib.report.publish`: the atomic folder swap, the failed folder and leftovers.

The headline disclosure rules are :func:`sendlib.headlines.suppressed_headlines`.
"""

from sendlib.report.handover import load_for_report
from sendlib.report.pipeline import RefreshError, RefreshResult, refresh
from sendlib.report.run import NotebookRun

__all__ = ["NotebookRun", "RefreshError", "RefreshResult", "load_for_report", "refresh"]
