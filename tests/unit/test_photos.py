"""The photo check and re-encoding (server/orders/photos.py): what is kept is a JPEG without
metadata, upright and scaled; anything that is not a photo is refused, never a crash."""

from __future__ import annotations

import contextlib
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from server.errors import ValidationFailed
from server.orders.photos import MAX_PIXELS, MAX_SIDE_PX, MAX_UPLOAD_BYTES, normalise_photo

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def photo_bytes(
    size: tuple[int, int], fmt: str = "JPEG", *, gps: bool = False, turned: bool = False
) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((10, 10, 200), (0, 0, size[0] // 2, size[1] // 4))  # a mark to find the top by
    exif = Image.Exif()
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (59.0, 51.0, 30.0)}
        exif[0x010F] = "PhoneMaker"
    if turned:
        exif[ORIENTATION] = 6  # the camera was held on its side: rotate 90° clockwise to show
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif.tobytes() if (gps or turned) else b"")
    return out.getvalue()


def test_metadata_is_dropped_and_the_photo_is_a_new_jpeg() -> None:
    sent = photo_bytes((800, 600), gps=True)
    assert Image.open(io.BytesIO(sent)).getexif()  # the phone's photo had a place in it
    kept = normalise_photo(sent)
    with Image.open(io.BytesIO(kept.jpeg)) as image:
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}
        assert "exif" not in image.info
    assert (kept.width, kept.height) == (800, 600)


def test_a_large_photo_is_scaled_and_a_turned_one_made_upright() -> None:
    kept = normalise_photo(photo_bytes((4000, 3000), turned=True))
    assert max(kept.width, kept.height) == MAX_SIDE_PX
    assert kept.height > kept.width  # rotated by its orientation tag, then the tag dropped


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_are_taken(fmt: str) -> None:
    kept = normalise_photo(photo_bytes((300, 200), fmt))
    assert Image.open(io.BytesIO(kept.jpeg)).format == "JPEG"


def test_what_is_not_a_photo_is_refused_with_a_reason() -> None:
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, format="GIF")
    for data, said in [
        (b"", "empty"),
        (b"%PDF-1.7 not a photo", "not a photo"),
        (gif.getvalue(), "Only a photo"),
        (b"\xff" * (MAX_UPLOAD_BYTES + 1), "larger than"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            normalise_photo(data)
        assert said in refused.value.message
        assert refused.value.message_sv


def test_a_decompression_bomb_is_refused_before_it_is_decoded() -> None:
    side = int(MAX_PIXELS**0.5) + 100
    bomb = io.BytesIO()
    Image.new("1", (side, side)).save(bomb, format="PNG")  # a few kB that decode to gigabytes
    assert len(bomb.getvalue()) < MAX_UPLOAD_BYTES
    with pytest.raises(ValidationFailed):
        normalise_photo(bomb.getvalue())


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=4096))
def test_any_bytes_are_a_photo_or_a_refusal(data: bytes) -> None:
    try:
        kept = normalise_photo(data)
    except ValidationFailed:
        return
    assert Image.open(io.BytesIO(kept.jpeg)).format == "JPEG"


@settings(max_examples=50, deadline=None)
@given(st.binary(min_size=1, max_size=2048), st.integers(min_value=10, max_value=400))
def test_a_damaged_jpeg_is_a_photo_or_a_refusal(noise: bytes, cut: int) -> None:
    good = photo_bytes((64, 48))
    damaged = good[:cut] + noise + good[cut + len(noise) :]
    # A refusal is an answer; any other exception fails the test.
    with contextlib.suppress(ValidationFailed):
        normalise_photo(damaged)
