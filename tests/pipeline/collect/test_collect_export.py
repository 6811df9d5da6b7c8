"""pipeline.collect.export on fixture exports written here, in both of TikTok's forms."""
from __future__ import annotations

import json
import zipfile
from datetime import date

import pytest

from pipeline.collect.export import (ExportError, Video, merge, parse_date, read_export,
                                     read_links, video_id)

A, B, C, D = "7300000000000000001", "7300000000000000002", "7300000000000000003", "7300000000000000004"


def link(vid, host="www.tiktokv.com/share/video"):
    return f"https://{host}/{vid}/"


# the newer JSON form: "Your Activity", "Watch History", likes with lower-case keys
NEW_JSON = {
    "Profile": {"Profile Info": {"ProfileMap": {"userName": "me"}}},
    "Your Activity": {
        "Watch History": {"VideoList": [
            {"Date": "2024-05-03 21:10:00", "Link": link(A)},
            {"Date": "2024-05-01 08:00:00", "Link": link(B), "timepertiktok": 12},  # extra field
            {"Date": "2024-05-04 09:00:00", "Link": link(A)},  # watched again, later
        ]},
        "Like List": {"ItemFavoriteList": [{"date": "2024-04-30 10:00:00", "link": link(B)}]},
        "Favorite Videos": {"FavoriteVideoList": None},   # TikTok writes null for an empty list
        "Searches": {"SearchList": [{"Date": "2024-05-01 00:00:00", "SearchTerm": "cats"}]},
    },
    "New Section Nobody Knows": {"Items": [1, 2, 3]},
}
# the older JSON form: "Activity", "Video Browsing History"
OLD_JSON = {"Activity": {"Video Browsing History": {"VideoList": [
    {"Date": "2022-11-02 12:00:00", "Link": link(C)}]},
    "Favorite Videos": {"FavoriteVideoList": [{"Date": "2022-10-01 12:00:00", "Link": link(D)}]}}}


def write(tmp_path, name, data):
    p = tmp_path / name
    p.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return p


def test_video_id_from_every_link_shape_and_why_not():
    assert video_id(f"https://www.tiktok.com/@some.user/video/{A}?is_from_webapp=1") == A
    assert video_id(link(A)) == A
    assert video_id(f"https://m.tiktok.com/v/{A}.html") == A
    assert video_id(f"https://www.tiktok.com/embed/v2/{A}") == A
    assert video_id(f"  {A}  ") == A
    with pytest.raises(ValueError, match="short link"):
        video_id("https://vm.tiktok.com/ZMabcdef/")
    with pytest.raises(ValueError, match="no TikTok video id"):
        video_id("https://example.com/watch?v=x")


def test_dates_are_read_as_utc_and_malformed_ones_rejected():
    assert parse_date("2024-05-03 21:10:00").isoformat() == "2024-05-03T21:10:00+00:00"
    assert parse_date("2024-05-03T23:10:00+02:00").isoformat() == "2024-05-03T21:10:00+00:00"
    assert parse_date("2024-05-03").isoformat() == "2024-05-03T00:00:00+00:00"
    for bad in ("2024-13-45 99:00:00", "yesterday", ""):
        with pytest.raises(ValueError, match="malformed date"):
            parse_date(bad)


def test_new_json_export_lists_dates_and_merge(tmp_path):
    got = read_export(write(tmp_path, "user_data_tiktok.json", NEW_JSON))
    assert got.sections == {"history", "likes", "favourites"}
    assert got.problems == []
    assert [(e.id, e.source) for e in got.entries] == [(A, "history"), (B, "history"),
                                                       (A, "history"), (B, "likes")]
    videos = merge(got.entries)
    assert videos == [Video(A, "2024-05-04T09:00:00+00:00", ("history",)),
                      Video(B, "2024-05-01T08:00:00+00:00", ("history", "likes"))]
    assert videos[1].source == "history,likes"
    assert merge(got.entries, ["likes"]) == [Video(B, "2024-04-30T10:00:00+00:00", ("likes",))]
    assert merge(got.entries, since=date(2024, 5, 2)) == [videos[0]]


def test_old_json_export_and_missing_sections(tmp_path):
    got = read_export(write(tmp_path, "user_data.json", OLD_JSON))
    assert got.sections == {"history", "favourites"}          # no Like List: not there
    assert merge(got.entries) == [Video(C, "2022-11-02T12:00:00+00:00", ("history",)),
                                  Video(D, "2022-10-01T12:00:00+00:00", ("favourites",))]
    empty = read_export(write(tmp_path, "e.json", {"Activity": {"Watch History": {"VideoList": []}}}))
    assert empty.entries == [] and empty.sections == {"history"}


def test_bad_entries_are_reported_not_fatal(tmp_path):
    data = {"Your Activity": {"Watch History": {"VideoList": [
        {"Date": "not a date", "Link": link(A)},              # kept, without a date
        {"Date": "2024-05-01 00:00:00", "Link": "https://vm.tiktok.com/ZMx/"},  # no id
        {"Date": "2024-05-01 00:00:00"},                       # no link at all
        "just a string",
    ]}}}
    got = read_export(write(tmp_path, "u.json", data))
    assert [(e.id, e.at) for e in got.entries] == [(A, None)]
    assert len(got.problems) == 4, got.problems
    assert "malformed date 'not a date', kept without a date" in got.problems[0]
    assert "short link" in got.problems[1] and "entry 2" in got.problems[2]
    assert "not an object" in got.problems[3]
    assert merge(got.entries) == [Video(A, None, ("history",))]
    assert merge(got.entries, since=date(2020, 1, 1)) == []   # undated: --since cannot keep it


def test_not_an_export_is_a_clear_error(tmp_path):
    with pytest.raises(ExportError, match="u.json: malformed JSON at line 1"):
        read_export(write(tmp_path, "u.json", '{"Activity": '))
    with pytest.raises(ExportError, match="JSON nested too deeply to read"):   # was a RecursionError
        read_export(write(tmp_path, "deep.json", "[" * 100_000 + "]" * 100_000))
    whole = tmp_path / "whole.zip"
    with zipfile.ZipFile(whole, "w") as z:
        z.writestr("user_data.json", json.dumps({"Activity": {}}) * 200)
    (tmp_path / "cut.zip").write_bytes(whole.read_bytes()[:100])
    with pytest.raises(ExportError, match="cut.zip: not a readable zip file"):   # was "no watch history"
        read_export(tmp_path / "cut.zip")
    with pytest.raises(ExportError, match="no watch history"):
        read_export(write(tmp_path, "v.json", {"Profile": {}}))
    with pytest.raises(ExportError, match="expected a JSON object"):
        read_export(write(tmp_path, "w.json", [1, 2]))
    with pytest.raises(ExportError, match="named after its list"):
        read_export(write(tmp_path, "notes.txt", "Date: 2024-01-01\nLink: x"))
    for missing in ("missing.json", "missing.zip"):   # a missing zip was "cut off while downloading?"
        with pytest.raises(ExportError, match=f"{missing}: no such file or folder"):
            read_export(tmp_path / missing)


TXT_HISTORY = f"""Date: 2024-05-03 21:10:00
Link: {link(A)}

Date: 2024-05-02 07:00:00
Link: {link(C)}
Date: 2024-99-02 07:00:00
Link: {link(D)}
"""


def test_txt_export_folder_and_zip(tmp_path):
    folder = tmp_path / "TikTok_Data" / "Your Activity"
    folder.mkdir(parents=True)
    (folder / "Watch History.txt").write_text(TXT_HISTORY, encoding="utf-8")
    (folder / "Like List.txt").write_text(f"Date: 2024-05-01 10:00:00\nLink: {link(C)}\n"
                                          "Sound: something extra\n\n", encoding="utf-8")
    (folder / "Favorite Videos.txt").write_text("", encoding="utf-8")   # empty list
    (folder / "Searches.txt").write_text("Date: 2024-01-01\nSearch Term: cats\n", encoding="utf-8")
    got = read_export(tmp_path / "TikTok_Data")
    assert got.sections == {"history", "likes", "favourites"}
    assert [(e.id, e.source) for e in got.entries] == [(C, "likes"), (A, "history"),
                                                       (C, "history"), (D, "history")]
    assert len(got.problems) == 1 and "malformed date" in got.problems[0]
    videos = merge(got.entries)
    assert [v.id for v in videos] == [A, C, D]
    assert videos[1].sources == ("history", "likes") and videos[2].watched_at is None

    zipped = tmp_path / "export.zip"
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("Activity/Browsing History.txt", TXT_HISTORY)
        z.writestr("user_data_tiktok.json", json.dumps(OLD_JSON))
    got = read_export(zipped)
    assert {e.id for e in got.entries} == {A, C, D}
    # a single TXT list file is read as the list its name says
    single = read_export(folder / "Like List.txt")
    assert [(e.id, e.source) for e in single.entries] == [(C, "likes")]


def test_links_file(tmp_path):
    p = write(tmp_path, "links.txt", f"# my list\n{link(A)}\n\n{B}  # a bare id\n"
                                     "https://vm.tiktok.com/ZMx/\n"
                                     f"https://www.tiktok.com/@x/video/{A}\n")
    got = read_links(p)
    assert [(e.id, e.source, e.at) for e in got.entries] == [(A, "links", None), (B, "links", None),
                                                             (A, "links", None)]
    assert len(got.problems) == 1 and "line 5" in got.problems[0]
    assert merge(got.entries, since=date(2030, 1, 1)) == [Video(B, None, ("links",)),
                                                          Video(A, None, ("links",))]
