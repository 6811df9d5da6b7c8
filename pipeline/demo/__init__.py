"""The embedded demo: a small, generated TikTok-like corpus served from 127.0.0.1 and run
through every pipeline stage (`python -m pipeline.demo`, which is what `make demo` runs)."""
