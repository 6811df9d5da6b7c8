"""Shared building blocks of the Streamlit dashboard (app.py and pages/).

* :mod:`ui.data`     — which databases are open (sidebar picker, ``--db``/``--results``
  options, ``TRL_*`` environment variables), the cached :class:`~core.engine.Engine`
  loader and the cached results.db reader with per-experiment metrics.
* :mod:`ui.controls` — every retrieval-configuration widget, bound to the URL; one call,
  :func:`ui.controls.config_sidebar`, returns a :class:`~core.config.Config`.
* :mod:`ui.display`  — safe rendering of untrusted corpus text (markdown escaping, term
  highlighting), result cards, and the video / cover / text-card media panel.
* :mod:`ui.charts`   — Altair chart builders shared by pages.

Pages stay thin: read the configuration, call ``core``, draw with these helpers.
"""
