"""The token-option helpers of core.dense: a dense component's model, fields and window."""
import pytest

from core.config import Config


def test_window_option_is_parsed_and_checked():
    from core.dense import passage_of, window_of
    from core.config import query_options
    opts = query_options("dense~mpnet~ocr~sr~w64")
    assert window_of(opts) == 64 and passage_of(opts) == ("mpnet", frozenset({"ocr", "sr"}))
    assert window_of(query_options("dense~ocr")) is None
    for bad, msg in (("dense~w4", "8–512"), ("dense~w32~w64", "one window"), ("dense~sr~w0", "unknown"),
                     ("word~w64", "unknown"), ("dense~w64~sr", "sorted")):
        with pytest.raises(ValueError, match=msg):
            Config.parse(f"{bad}.all.noattr.cos")
