"""The demo's media server: a real HTTP server on 127.0.0.1 serving one directory."""
from __future__ import annotations

import socket

import pytest
import requests

from pipeline.demo.server import PAGE_TEMPLATE, MediaServer, write_video_page


def test_media_server_serves_files_and_falls_back_to_a_free_port(tmp_path):
    (tmp_path / "covers").mkdir()
    (tmp_path / "covers" / "1.jpg").write_bytes(b"\xff\xd8 jpeg bytes")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        with MediaServer(tmp_path, port=taken) as srv:
            assert srv.port != taken and srv.url.startswith("http://127.0.0.1:")
            r = requests.get(srv.url + "/covers/1.jpg", timeout=5)
            assert r.status_code == 200 and r.content == b"\xff\xd8 jpeg bytes"
            assert requests.get(srv.url + "/covers/2.jpg", timeout=5).status_code == 404


def test_a_taken_port_without_fallback_is_an_error(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with pytest.raises(OSError):
            MediaServer(tmp_path, port=busy.getsockname()[1], fallback=False)


def test_only_the_directory_is_served_and_stop_closes_the_port(tmp_path):
    media = tmp_path / "media"
    media.mkdir()
    (media / "a.txt").write_text("inside")
    (tmp_path / "secret.txt").write_text("outside")
    srv = MediaServer(media).start()
    assert srv.directory == str(media.resolve()) and srv.port > 0
    assert requests.get(f"{srv.url}/a.txt", timeout=5).text == "inside"
    with socket.create_connection((srv.host, srv.port), timeout=5) as raw:   # no URL normalisation
        raw.sendall(b"GET /../secret.txt HTTP/1.0\r\n\r\n")
        reply = b"".join(iter(lambda: raw.recv(4096), b""))
    assert b"outside" not in reply and reply.startswith(b"HTTP/1.0 404")
    srv.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{srv.url}/a.txt", timeout=5)


def test_a_video_page_for_yt_dlp(tmp_path):
    write_video_page(tmp_path, "42", 'cat <script>alert(1)</script> & "dog" 🐱', b"\x00video",
                     b"\xff\xd8cover")
    with MediaServer(tmp_path) as srv:
        page = requests.get(srv.url + PAGE_TEMPLATE.format(id="42"), timeout=5).text
        assert '<video src="/media/42.mp4" poster="/media/42.jpg">' in page
        assert "&lt;script&gt;" in page and "<script>" not in page and "&quot;dog&quot;" in page
        assert requests.get(srv.url + "/media/42.mp4", timeout=5).content == b"\x00video"
        assert requests.get(srv.url + "/media/42.jpg", timeout=5).content == b"\xff\xd8cover"


def test_a_missing_directory_is_refused_before_serving(tmp_path, capsys):
    """--dir /nonexistent printed "serving …" and answered every request with 404."""
    from pipeline.demo.server import main

    with pytest.raises(SystemExit) as e:
        main(["--dir", str(tmp_path / "nope"), "--port", "0"])
    assert e.value.code == 2 and "no such directory" in capsys.readouterr().err
