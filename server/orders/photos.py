"""A photo the fitter sends with an order: checked and re-encoded before it is kept (pure).

A phone's photo carries metadata (the place it was taken, the device, the time) that has no
business in a resident's order, and any bytes can claim to be an image. So the server keeps
none of what was sent: it decodes the image (JPEG, PNG or WebP only, within a pixel budget
that stops a decompression bomb), scales it to at most ``MAX_SIDE_PX`` and writes a new JPEG
without metadata. Decoding and encoding are computation on bytes, no I/O.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

from server.errors import ValidationFailed

# What a phone sends after scaling the picture down (the app sends about 1600 px, 200-400 kB);
# the limit leaves room for a phone that could not scale it.
MAX_UPLOAD_BYTES = 6 * 1024 * 1024
# A 48-megapixel phone camera's full frame; more is not a photo of a door.
MAX_PIXELS = 50_000_000
# Enough to read a lock's label or a broken strike plate on a planner's screen.
MAX_SIDE_PX = 1600
JPEG_QUALITY = 82
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
PURPOSES = frozenset({"evidence_override"})


@dataclass(frozen=True)
class NormalisedPhoto:
    jpeg: bytes
    width: int
    height: int


def _refuse(message: str, message_sv: str) -> ValidationFailed:
    return ValidationFailed(message, field="photo", message_sv=message_sv)


def normalise_photo(data: bytes) -> NormalisedPhoto:
    """The photo as kept: a new JPEG, upright, without metadata, at most MAX_SIDE_PX a side.
    Anything else is refused with a reason a person can act on."""
    if not data:
        raise _refuse("The photo is empty. Take it again.", "Fotot är tomt. Ta det igen.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise _refuse(
            f"The photo is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB. Take it again "
            "at a lower resolution.",
            "Fotot är för stort. Ta det igen med lägre upplösning.",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise _refuse(
                        "Only a photo (JPEG, PNG or WebP) can be sent.",
                        "Bara ett foto (JPEG, PNG eller WebP) kan skickas.",
                    )
                if probe.width * probe.height > MAX_PIXELS:
                    raise _refuse(
                        "The photo has too many pixels. Take it again at a lower resolution.",
                        "Fotot har för många pixlar. Ta det igen med lägre upplösning.",
                    )
                probe.load()
                # The camera's orientation applied, then everything but the pixels dropped.
                image = ImageOps.exif_transpose(probe).convert("RGB")
    except ValidationFailed:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Warning) as exc:
        raise _refuse(
            "The file is not a photo that can be read. Take the photo again.",
            "Filen är inte ett foto som går att läsa. Ta fotot igen.",
        ) from exc
    image.thumbnail((MAX_SIDE_PX, MAX_SIDE_PX))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return NormalisedPhoto(jpeg=out.getvalue(), width=image.width, height=image.height)
