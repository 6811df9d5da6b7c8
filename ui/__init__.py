"""Shared building blocks of the Streamlit dashboard (app.py and pages/).

* :mod:`ui.data`     — which databases are open (sidebar picker, ``--db``/``--results``
  options, ``TRL_*`` environment variables), the cached :class:`~core.engine.Engine`
  loader and the cached results.db reader with per-experiment metrics.
* :mod:`ui.controls` — every retrieval-configuration widget, bound to the URL; one call,
  :func:`ui.controls.config_sidebar`, returns a :class:`~core.config.Config`.
* :mod:`ui.shared_config` — app.py draws those controls for the pages that follow them, so
  they stay as the user changes page; a page takes the result.
* :mod:`ui.link_check` — names a link's values no control could take.
* :mod:`ui.display`  — safe rendering of untrusted corpus text (markdown escaping, term
  highlighting), result cards, and the video / cover / text-card media panel.
* :mod:`ui.charts`   — Altair chart builders shared by pages.
* :mod:`ui.ab`       — the Search page's A/B comparison: configuration B (presets or a
  pasted string, bound to the URL), each side's search, target rank and cards.
* :mod:`ui.presenter` — the Search page's presenter view: research controls hidden, large
  query box and cards, the configuration carried in the URL meanwhile.

Pages stay thin: read the configuration, call ``core``, draw with these helpers.
"""
