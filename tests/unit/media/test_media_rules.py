"""Pure rules: what a file is, where an image ends, limits, sizes and who may see an original."""
import io

import pytest
from PIL import Image

from services.media.domain import sniff
from services.media.domain.media import (Rejection, State, can_move, can_read_original, check_image_structure,
                                         check_pixels, check_video, fit_within)


def jpeg(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (1, 2, 3)).save(out, "JPEG", progressive=False)
    return out.getvalue()


def progressive_jpeg() -> bytes:
    out = io.BytesIO()
    Image.effect_noise((200, 120), 80).convert("RGB").save(out, "JPEG", progressive=True)
    return out.getvalue()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize("head, mime, kind", [
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg", "photo"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png", "photo"),
    (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "image/webp", "photo"),
    (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41", "video/mp4", "video"),
    (b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  ", "video/quicktime", "video"),
    (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm", "video/webm", "video"),
    (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "image/heic", "photo"),
    (b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1heicmiaf", "image/heic", "photo"),
    (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf", "image/avif", None),
    (b"<!DOCTYPE html><html>", "text/html", None),
    (b"  <html><script>", "text/html", None),
    (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">', "image/svg+xml", None),
    (b"%PDF-1.7\n", "application/pdf", None),
    (b"PK\x03\x04\x14\x00", "application/zip", None),
    (b"MZ\x90\x00", "application/x-msdownload", None),
    (b"\x7fELF\x02\x01", "application/x-executable", None),
    (b"GIF89a", "image/gif", None),
    (b"", "application/x-empty", None),
])
def test_a_file_is_known_by_its_first_bytes(head, mime, kind):
    detected = sniff.detect(head)
    assert (detected.mime, detected.kind) == (mime, kind)


def test_a_whole_jpeg_and_a_whole_png_pass_the_structure_check():
    check_image_structure("image/jpeg", jpeg())
    check_image_structure("image/jpeg", progressive_jpeg())
    check_image_structure("image/png", png())


def heic() -> bytes:
    import pillow_heif  # noqa: F401  (registers the HEIF plugin)
    from services.media import processing  # noqa: F401
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (9, 9, 9)).save(out, "HEIF", quality=50)
    return out.getvalue()


def test_a_heic_photo_is_walked_box_by_box():
    data = heic()
    check_image_structure("image/heic", data)
    with pytest.raises(Rejection) as glued:
        check_image_structure("image/heic", data + b"PK\x03\x04\x14\x00\x00\x00payload")
    assert glued.value.status == 415
    with pytest.raises(Rejection) as cut:
        check_image_structure("image/heic", data[:-10])
    assert cut.value.status == 422


def test_a_truncated_jpeg_is_refused_as_unprocessable():
    data = progressive_jpeg()
    with pytest.raises(Rejection) as refused:
        check_image_structure("image/jpeg", data[: len(data) // 2])
    assert refused.value.status == 422 and "truncated" in refused.value.reason


def test_data_glued_after_the_image_is_a_polyglot():
    with pytest.raises(Rejection) as refused:
        check_image_structure("image/jpeg", jpeg() + b"PK\x03\x04" + b"x" * 100)
    assert refused.value.status == 415 and "polyglot" in refused.value.reason
    with pytest.raises(Rejection):
        check_image_structure("image/png", png() + b"<html>")


def test_a_phones_second_jpeg_and_zero_padding_after_the_first_are_allowed():
    check_image_structure("image/jpeg", jpeg() + jpeg((16, 12)) + b"\x00" * 32)


def test_pixel_limit_guards_against_decompression_bombs():
    check_pixels(4000, 3000, 40_000_000)
    with pytest.raises(Rejection) as refused:
        check_pixels(15000, 15000, 40_000_000)
    assert refused.value.status == 422 and "decompression bomb" in refused.value.reason


def probe(codec="h264", audio="aac", duration="12.5", attached=False):
    return {"format": {"duration": duration},
            "streams": [{"codec_type": "video", "codec_name": codec, "width": 1920, "height": 1080,
                         "disposition": {"attached_pic": int(attached)}},
                        {"codec_type": "audio", "codec_name": audio}]}


def test_video_facts_are_judged_against_codecs_and_duration():
    assert check_video("video/mp4", probe(), 600) == {"width": 1920, "height": 1080, "duration_seconds": 12.5}
    for bad, status in ((probe(codec="prores"), 415), (probe(audio="pcm_s16le"), 415),
                        (probe(duration="601"), 422), (probe(duration="0"), 422), (probe(attached=True), 415)):
        with pytest.raises(Rejection) as refused:
            check_video("video/mp4", bad, 600)
        assert refused.value.status == status


@pytest.mark.parametrize("size, side, expected", [
    ((4000, 3000), 2048, (2048, 1536)), ((3000, 4000), 320, (240, 320)), ((800, 600), 2048, (800, 600)),
    ((10000, 10), 320, (320, 1)),
])
def test_public_copies_shrink_to_their_longest_side_and_never_grow(size, side, expected):
    assert fit_within(*size, side) == expected


def test_originals_are_for_operators_and_the_institution_the_appeal_is_about():
    assert can_read_original("operator", None, set())
    assert can_read_original("staff", "school-7", {"school-7"})
    assert not can_read_original("staff", "school-8", {"school-7"})
    assert not can_read_original("staff", None, {"school-7"})
    assert not can_read_original(None, None, {"school-7"})


def test_states_move_forward_only_from_quarantine_to_a_verdict():
    assert can_move(State.UPLOADING, State.QUARANTINED)
    assert can_move(State.QUARANTINED, State.STORED) and can_move(State.QUARANTINED, State.REJECTED)
    assert not can_move(State.STORED, State.REJECTED) and not can_move(State.REJECTED, State.STORED)
    assert not can_move(State.UPLOADING, State.STORED)


def test_every_rejection_has_a_short_code_for_metrics():
    from services.media.domain.media import empty, too_large, truncated, unsupported
    assert unsupported("text/html").code == "bad_type"
    assert too_large("photo", 10).code == "too_large"
    assert empty().code == "empty"
    assert truncated("image/jpeg").code == "truncated"
    assert Rejection(415, "polyglot: 12 bytes").code == "polyglot"
    assert Rejection(422, "decompression bomb: 1x1").code == "decompression_bomb"
    assert Rejection(422, "something new").code == "other"
