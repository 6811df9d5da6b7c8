"""pipeline.collect.record: yt-dlp info dicts (shaped like its TikTok extractor's) -> batch
records that `ingest` accepts."""
from __future__ import annotations

import copy

from pipeline.collect.record import info_to_record, music_title
from pipeline.ingest import check_record

VID = "7300000000000000001"
# the fields yt-dlp's TikTok extractor fills (TikTokBaseIE._parse_aweme_video_web), trimmed
TIKTOK_INFO = {
    "id": VID, "extractor": "TikTok", "extractor_key": "TikTok",
    "webpage_url": f"https://www.tiktok.com/@catlover/video/{VID}",
    "title": "cat knocks a glass off the table 🐱🥛 #cats",
    "description": "cat knocks a glass off the table 🐱🥛 #cats #fyp",
    "uploader": "catlover", "uploader_id": "6800000000000000000", "channel": "Cat Lover 🐾",
    "channel_id": "MS4wLjABAAAA", "timestamp": 1714557600, "duration": 12,
    "view_count": 120000, "like_count": 22600, "repost_count": 10, "comment_count": 113,
    "track": "original sound", "artists": ["Cat Lover 🐾"],
    "thumbnail": "https://p16-sign.tiktokcdn-us.com/cover~tplv.jpeg",
    "thumbnails": [{"id": "cover", "url": "https://p16-sign.tiktokcdn-us.com/cover~tplv.jpeg"}],
    "formats": [{"format_id": "download", "url": "https://v16.tiktokcdn.com/a.mp4",
                 "vcodec": "h264", "acodec": "aac"},
                {"format_id": "audio", "url": "https://sf16.tiktokcdn.com/m.mp3", "vcodec": "none"}],
    "url": "https://v16.tiktokcdn.com/a.mp4", "ext": "mp4",
    "comments": [
        {"id": "1", "parent": "root", "author": "glassfan", "text": "RIP the glass 😭",
         "timestamp": 1714560000, "like_count": 2888},
        {"id": "2", "parent": "1", "author": "x", "text": "a reply", "timestamp": 1714560001},
        {"id": "3", "parent": "root", "author": "y", "text": "   "},
        {"id": "4", "parent": "root", "author": "z", "text": "second"},
    ],
}


def test_a_full_tiktok_info_dict():
    rec = info_to_record(TIKTOK_INFO, VID, watched_at="2024-05-03T21:10:00+00:00",
                         source="history,likes", max_comments=5, scraped_at=1714600000.5)
    assert check_record(rec) == VID
    assert rec == {
        "id": VID, "permalink": f"https://www.tiktok.com/@catlover/video/{VID}",
        "video-src": "https://v16.tiktokcdn.com/a.mp4",
        "coverphoto-src": "https://p16-sign.tiktokcdn-us.com/cover~tplv.jpeg",
        "creator-username": "@catlover", "creator-nickname": "Cat Lover 🐾",
        "description": "cat knocks a glass off the table 🐱🥛 #cats #fyp",
        "like-count": "22600", "comment-count": "113", "timeposted": "2024-05-01",
        "music-title": "original sound - Cat Lover 🐾",
        "comments": [{"commenter-username": "@glassfan", "comment-text": "RIP the glass 😭",
                      "time-posted": "2024-05-01", "like-count": "2888", "replies-count": None},
                     {"commenter-username": "@z", "comment-text": "second", "time-posted": None,
                      "like-count": None, "replies-count": None}],
        "scrape-timestamp": 1714600000.5, "watched_at": "2024-05-03T21:10:00+00:00",
        "source": "history,likes"}


def test_comments_are_capped_and_absent_by_default():
    assert info_to_record(TIKTOK_INFO, VID)["comments"] == []
    assert [c["comment-text"] for c in info_to_record(TIKTOK_INFO, VID, max_comments=1)["comments"]] \
        == ["RIP the glass 😭"]
    no_comments = {k: v for k, v in TIKTOK_INFO.items() if k != "comments"}
    rec = info_to_record(no_comments, VID, max_comments=20)
    assert rec["comments"] == [] and check_record(rec) == VID


def test_missing_music_counts_and_creator():
    info = copy.deepcopy(TIKTOK_INFO)
    for k in ("track", "artists", "like_count", "comment_count", "timestamp", "channel",
              "uploader", "uploader_id", "url"):
        info.pop(k)
    rec = info_to_record(info, VID)
    assert check_record(rec) == VID
    for k in ("music-title", "like-count", "comment-count", "timeposted", "creator-nickname",
              "watched_at"):
        assert k not in rec, k
    assert rec["creator-username"] == ""
    assert rec["video-src"] == "https://v16.tiktokcdn.com/a.mp4"   # from the video format
    assert rec["source"] == "links"


def test_music_title_shapes():
    assert music_title({"track": "Lehanga", "artists": ["Jass Manak"]}) == "Lehanga - Jass Manak"
    assert music_title({"track": "original sound - Ibrahim", "artists": ["Ibrahim"]}) \
        == "original sound - Ibrahim"
    assert music_title({"track": "Song", "artist": "Old Field"}) == "Song - Old Field"
    assert music_title({"artists": ["nobody"]}) is None


def test_a_generic_page_info_dict():
    """What yt-dlp's generic extractor gives for a page with a <video>: no creator, no counts,
    its own id; the record keeps the id asked for and falls back to the title."""
    info = {"id": "123-1", "title": "Cat 🐱 (1)", "url": "http://127.0.0.1:1/media/123.mp4",
            "thumbnails": [{"url": "http://127.0.0.1:1/media/123.jpg", "id": "0"}],
            "webpage_url": "http://127.0.0.1:1/video/123", "extractor": "html5"}
    rec = info_to_record(info, "123", source="links")
    assert check_record(rec) == "123"
    assert rec["description"] == "Cat 🐱 (1)" and rec["creator-username"] == ""
    assert rec["coverphoto-src"] == "http://127.0.0.1:1/media/123.jpg"
    assert info_to_record({}, "9")["video-src"] == "" and check_record(info_to_record({}, "9")) == "9"
