"""pipeline.collect.fetch: yt-dlp for real against HTTP servers on 127.0.0.1 (its generic
extractor on a page with a <video>, the same code path as a TikTok link), and how its
failures are classified."""
from __future__ import annotations

import time

import pytest
from yt_dlp.utils import DownloadError, ExtractorError, GeoRestrictedError

from pipeline.collect.fetch import Failure, classify, fetch

FAST = {"timeout": 1.0, "retries": 1, "backoff": 0.05, "rate": 0}


def test_metadata_only_and_with_media(video_site, tmp_path, silent_mp4, cover_jpg):
    video_site.add("123", "cat knocks a glass off the table 🐱")
    url = video_site.template.format(id="123")
    info, files = fetch(url, "123", **FAST)
    assert files == {}
    assert info["description"] == "cat knocks a glass off the table 🐱"
    assert info["url"].endswith("/media/123.mp4") and info["thumbnail"].endswith("/media/123.jpg")

    media = tmp_path / "media"
    info, files = fetch(url, "123", media=media, **FAST)
    assert files == {"video": media / "videos" / "123.mp4", "cover": media / "covers" / "123.jpg"}
    assert files["video"].read_bytes() == silent_mp4.read_bytes()
    assert files["cover"].read_bytes() == cover_jpg.read_bytes()
    assert sorted(p.relative_to(media).as_posix() for p in media.rglob("*")) == \
        ["covers", "covers/123.jpg", "videos", "videos/123.mp4"]   # no staging left behind


def test_corrupt_video_is_refused_and_nothing_is_left(video_site, tmp_path):
    video_site.add("124", video=b"<html>Please log in</html>" + b"x" * 500)
    video_site.add("125", cover=b"GIF? no, plain text")
    media = tmp_path / "media"
    for vid, kind in (("124", "video"), ("125", "cover")):
        with pytest.raises(Failure, match=f"^corrupt file: not a {kind}") as e:
            fetch(video_site.template.format(id=vid), vid, media=media, **FAST)
        assert not e.value.retry
    assert [p for p in media.rglob("*") if p.is_file()] == []


def test_missing_page_is_removed_and_not_retried(http_server):
    with pytest.raises(Failure, match=r"^removed: .*404") as e:
        fetch(f"{http_server.base}/404/7300000000000000001", "7300000000000000001", **FAST)
    assert http_server.hits["/404/7300000000000000001"] == 1
    assert "attempts" not in str(e.value)


def test_hanging_server_times_out_after_retries(http_server):
    t0 = time.monotonic()
    with pytest.raises(Failure, match=r"^timeout: .*\(after 2 attempts\)"):
        fetch(f"{http_server.base}/hang/7300000000000000002", "7300000000000000002", **FAST)
    assert time.monotonic() - t0 < 15
    assert http_server.hits["/hang/7300000000000000002"] == 2


def test_server_errors_are_retried(http_server):
    with pytest.raises(Failure, match=r"^network error: .*500.*\(after 3 attempts\)"):
        fetch(f"{http_server.base}/500/7300000000000000003", "7300000000000000003",
              **{**FAST, "retries": 2})
    assert http_server.hits["/500/7300000000000000003"] == 3


def test_pacing_spaces_requests(video_site, tmp_path):
    """--rate is yt-dlp's pause between requests and before a download."""
    video_site.add("126")
    t0 = time.monotonic()
    fetch(video_site.template.format(id="126"), "126", media=tmp_path, **{**FAST, "rate": 2})
    assert time.monotonic() - t0 >= 0.5


@pytest.mark.parametrize("exc, category", [
    (GeoRestrictedError("This video is not available from your location"), "geo-blocked"),
    (ExtractorError("Your IP address is blocked from accessing this post", expected=True),
     "geo-blocked"),
    (ExtractorError("You do not have permission to view this post. Log into an account that "
                    "has access", expected=True), "private"),
    (ExtractorError("Video not available, status code 10231"), "removed"),
    (ExtractorError("Unable to extract universal data for rehydration"), "extractor error"),
])
def test_tiktok_extractor_messages_are_classified(exc, category):
    """The messages yt-dlp's TikTok extractor raises, as yt-dlp wraps them."""
    wrapped = DownloadError(f"ERROR: [TikTok] 7300000000000000001: {exc}", (type(exc), exc, None))
    got = classify(wrapped)
    assert str(got).startswith(category + ": [TikTok]"), str(got)


def test_a_cut_off_download_is_a_network_error_and_retried():
    """A server closing the connection mid-video (yt-dlp: "636 bytes read, 99364 more expected")
    was an "extractor error", never retried; it is the network's fault, as pipeline.download says."""
    from http.client import IncompleteRead

    cause = IncompleteRead(b"x" * 636, 99364)
    wrapped = DownloadError(f"ERROR: [download] Got error: {cause}", (type(cause), cause, None))
    got = classify(wrapped)
    assert str(got).startswith("network error: ") and got.retry
