"""Screenshots in the report: a tester's images from the attestation file, the run's pictures."""

from __future__ import annotations

import base64
import struct
import zlib
from pathlib import Path

import pytest
from report_sample import Sample, record_sample, run_info

from eprom_verify.redact import Redactor
from eprom_verify.report import AttestationError, Recorder, load_attestations, render_html
from eprom_verify.report.attest import MAX_IMAGE_BYTES
from eprom_verify.report.model import Picture


def tiny_png(red: int = 200) -> bytes:
    """A 1×1 PNG made here (no image library)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixel = zlib.compress(bytes([0, red, 10, 10]))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixel) + chunk(b"IEND", b"")
    )


def attest_file(tmp_path: Path, images: str) -> Path:
    path = tmp_path / "attest.yaml"
    path.write_text(
        "tester: Kari Nordmann\nattestations:\n  - checkpoint: V2.2\n    answer: yes\n"
        f"    at: 2026-11-22T10:00:00Z\n    images: {images}\n",
        encoding="utf-8",
    )
    return path


def test_images_are_read_relative_to_the_file_and_kept_as_base64(tmp_path: Path) -> None:
    (tmp_path / "shots").mkdir()
    (tmp_path / "shots" / "cover.png").write_bytes(tiny_png())
    (tmp_path / "task.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 20)
    [given] = load_attestations(attest_file(tmp_path, "[shots/cover.png, task.jpg]"))
    png, jpg = given.pictures
    assert base64.b64decode(png.data) == tiny_png()
    assert (png.media_type, jpg.media_type) == ("image/png", "image/jpeg")
    assert png.checkpoint_ids == ["V2.2"]
    assert png.source == "tester"
    assert "cover.png" in png.caption("nb")
    assert png.data_uri.startswith("data:image/png;base64,iVBOR")


@pytest.mark.parametrize(
    ("images", "files", "message"),
    [
        ("[missing.png]", {}, ":6: attestations[0].images[0]: "),
        ("[notes.txt]", {"notes.txt": b"hello"}, "notes.txt is not a PNG or JPEG image"),
        ("shot.png", {"shot.png": tiny_png()}, ":6: attestations[0].images: expected a list"),
        ("[{a: 1}]", {}, "images[0]: expected the path of a PNG or JPEG file"),
        (
            "[big.png]",
            {"big.png": b"\x89PNG\r\n\x1a\n" + b"\0" * MAX_IMAGE_BYTES},
            "big.png is over 5 MB",
        ),
    ],
    ids=["missing", "not-an-image", "not-a-list", "not-a-path", "too-big"],
)
def test_a_bad_image_entry_is_one_line_naming_the_line(
    tmp_path: Path, images: str, files: dict[str, bytes], message: str
) -> None:
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    with pytest.raises(AttestationError) as caught:
        load_attestations(attest_file(tmp_path, images))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def _recorded(tmp_path: Path, pictures: list[Picture], attest: Path | None) -> Sample:
    recorder = Recorder(tmp_path / "report", run=run_info(), redactor=Redactor())
    from report_sample import _result  # noqa: PLC0415 - the sample's helper

    recorder.add_result(_result("V2.2", "needs_attestation", test="suites/test_v2.py::test_cover"))
    recorder.add_result(_result("V2.4", "needs_attestation", test="suites/test_v2.py::test_task"))
    for picture in pictures:
        recorder.add_picture(picture)
    for given in load_attestations(attest) if attest else []:
        recorder.add_attestation(given)
    return Sample(tmp_path / "report", recorder, recorder.finish())


def test_the_report_embeds_the_tester_s_and_the_run_s_pictures_beside_their_checkpoint(
    tmp_path: Path,
) -> None:
    (tmp_path / "cover.png").write_bytes(tiny_png(1))
    portal = Picture(
        checkpoint_ids=["V2.4", "V2.2"],
        captions={"nb": "Innboksen i portalen", "en": "The portal's inbox"},
        media_type="image/png",
        data=base64.b64encode(tiny_png(2)).decode(),
        source="simulator",
        order_id="0d4c1d5e-0000-4000-8000-000000000001",
    )
    sample = _recorded(tmp_path, [portal], attest_file(tmp_path, "[cover.png]"))
    html = (sample.report_dir / "report.html").read_text(encoding="utf-8")
    v22 = html.split('id="sec-V2.2"')[1].split("</section>")[0]
    v24 = html.split('id="sec-V2.4"')[1].split("</section>")[0]
    assert f'src="data:image/png;base64,{base64.b64encode(tiny_png(1)).decode()}"' in v22
    assert f'src="data:image/png;base64,{portal.data}"' in v24
    assert "Innboksen i portalen" in v24
    assert portal.data not in v22  # embedded once, under its first checkpoint …
    assert 'href="#pic-0"' in v22  # … and linked from the others
    assert html.count(portal.data) == 1
    assert "Et bilde er ikke en attestasjon" in v24
    english = render_html(sample.data, lang="en")
    assert "The portal&#39;s inbox" in english or "The portal's inbox" in english
    rows = {row.id: row.status for row in sample.data.rows}
    assert rows["V2.4"] == "needs_attestation"  # a picture is not a person


def test_without_pictures_the_section_has_none(tmp_path: Path) -> None:
    sample = record_sample(tmp_path / "r")
    assert 'class="pictures"' not in (sample.report_dir / "report.html").read_text("utf-8")
