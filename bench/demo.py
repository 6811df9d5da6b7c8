"""How long `make demo` takes a new user: from a fresh clone to a dashboard that answers.

    .venv/bin/python bench/demo.py [--keep DIR] [--reuse-venv]

Clones this checkout's HEAD into a temporary directory and runs `make demo` there, as the
README says, installs included (a new venv from the requirements files; Debian packages are
already on this machine). Prints, from the start of `make`:

1. the venv installed (`.venv/.installed-demo` written),
2. the dashboard's URL printed and its health check answering,
3. a search on the Search page in headless Chromium (a demo query typed, Enter) showing
   results: the dashboard works,
4. the pipeline's own end (embeddings and the experiment grid finish after the dashboard
   starts) and the per-stage times it printed.

`--reuse-venv` links this checkout's venv instead of installing (to time the stages alone).
Nothing is asserted; the clone is deleted unless `--keep DIR` names where to put it.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.dashboard import CHROMIUM_ARGS, typed_search, wait_healthy  # noqa: E402

URL = re.compile(r"== dashboard: (http://127\.0\.0\.1:\d+)")


def first_search(url: str, query: str) -> None:
    """Open Search in headless Chromium, type `query`, wait for results on screen."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.set_default_timeout(120_000)
        typed_search(page, url, query)
        browser.close()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--keep", type=Path, default=None, help="clone here and keep it")
    ap.add_argument("--reuse-venv", action="store_true",
                    help="link this checkout's venv instead of installing one")
    a = ap.parse_args(argv)
    tmp = None
    if a.keep:
        work = a.keep
    else:
        tmp = tempfile.mkdtemp(prefix="trl-demo-")
        work = Path(tmp) / "p"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(work)], check=True)
    if a.reuse_venv:
        (work / ".venv").symlink_to(ROOT / ".venv")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRL_")}
    log = work / "make-demo.log"
    marks: dict[str, float] = {}
    t0 = time.monotonic()
    proc = subprocess.Popen(["make", "demo"], cwd=work, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    url = None
    lines: list[str] = []

    def read():
        nonlocal url
        with open(log, "w") as out:
            for line in proc.stdout:
                out.write(line)
                out.flush()
                lines.append(line)
                m = URL.search(line)
                if m and url is None:
                    marks["dashboard URL printed"] = time.monotonic() - t0
                    url = m.group(1)
                if "== pipeline finished" in line:
                    marks["pipeline finished"] = time.monotonic() - t0
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        while url is None and proc.poll() is None:
            if ".venv/.installed-demo" not in marks and (work / ".venv/.installed-demo").exists():
                marks[".venv/.installed-demo"] = time.monotonic() - t0
            time.sleep(0.2)
        if url is None:
            print("".join(lines[-30:]))
            raise SystemExit(f"make demo ended (exit {proc.returncode}) without a dashboard")
        while not wait_healthy(url):
            pass
        marks["dashboard health check answers"] = time.monotonic() - t0
        queries = json.loads((work / "data/demo/queries.json").read_text())
        first_search(url, queries[0]["text"])
        marks["first search's results on screen (Chromium)"] = time.monotonic() - t0
        while "pipeline finished" not in marks and proc.poll() is None:
            time.sleep(0.5)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        reader.join(timeout=5)
    print(f"make demo in a fresh clone of {ROOT.name} HEAD "
          f"({'venv linked' if a.reuse_venv else 'venv installed'}); seconds from `make demo`:")
    for name, t in sorted(marks.items(), key=lambda kv: kv[1]):
        print(f"  {t:7.1f} s  {name}")
    tail = [ln.rstrip() for ln in lines]
    print("\n".join(ln for ln in tail if ln.startswith("== quality")))
    if any("per stage" in ln for ln in tail):
        start = next(i for i, ln in enumerate(tail) if "per stage" in ln)
        print("\n".join(tail[start:start + 14]))
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        print(f"kept {work} (log: {log})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
