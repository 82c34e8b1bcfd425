"""Bad bytes of every kind: read_image returns a valid array or raises ImageReadError, never
anything else (no other exception, no hang, no out-of-memory)."""

import io
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from kerasvision.io import ImageReadError, read_image

# Mutated headers may claim large sizes; a lower limit keeps each attempt cheap.
FUZZ_MAX_PIXELS = 4_000_000

FUZZ_SETTINGS = settings(max_examples=1000, deadline=None, database=None, derandomize=True,
                         suppress_health_check=[HealthCheck.too_slow])


def _encode(image, image_format, **options):
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def _valid_files():
    rng = np.random.default_rng(3)
    rgb = Image.fromarray(rng.integers(0, 256, (24, 32, 3), dtype=np.uint8))
    rgba = Image.fromarray(rng.integers(0, 256, (24, 32, 4), dtype=np.uint8), "RGBA")
    exif = Image.Exif()
    exif[0x0112] = 6
    frames = [rgb.convert("P"), rgb.rotate(90).convert("P")]
    return {
        "png": _encode(rgb, "PNG"),
        "png16": _encode(Image.fromarray(rng.integers(0, 65536, (24, 32), dtype=np.uint16)),
                         "PNG"),
        "png_rgba": _encode(rgba, "PNG"),
        "jpeg": _encode(rgb, "JPEG", exif=exif),
        "jpeg_cmyk": _encode(rgb.convert("CMYK"), "JPEG"),
        "gif": _encode(frames[0], "GIF", save_all=True, append_images=frames[1:]),
        "bmp": _encode(rgb, "BMP"),
        "tiff": _encode(rgb, "TIFF", save_all=True, append_images=[rgb]),
        "webp": _encode(rgb, "WEBP"),
        # Formats Pillow recognises whatever the file is called: reachable by any input.
        **{image_format.lower(): _encode(rgb, image_format)
           for image_format in ("ICO", "TGA", "PCX", "PPM", "SGI", "DDS", "QOI",
                                "JPEG2000")},
    }


VALID_FILES = _valid_files()
SIGNATURES = [b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"GIF89a", b"BM", b"II*\x00",
              b"MM\x00*", b"RIFF\x00\x00\x00\x00WEBPVP8 ", b"P6\n", b"\x00\x00\x01\x00"]


def check_survives(data, **options):
    """One bad input: a well-formed result or an ImageReadError; nothing else."""
    try:
        image = read_image(data, **options)
    except ImageReadError as error:
        message = str(error)
        assert message.startswith("<bytes>: ") and message.isprintable()  # one clean line
        assert "\\x" not in message and len(message) < 200
        return False
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] in (1, 3)
    assert image.shape[0] >= 1 and image.shape[1] >= 1
    return True


@FUZZ_SETTINGS
@given(st.binary(max_size=4096))
def test_random_bytes(data):
    check_survives(data)


@FUZZ_SETTINGS
@given(st.sampled_from(SIGNATURES), st.binary(max_size=2048))
def test_random_bytes_behind_an_image_signature(signature, rest):
    check_survives(signature + rest, max_pixels=FUZZ_MAX_PIXELS)


@FUZZ_SETTINGS
@given(st.sampled_from(sorted(VALID_FILES)),
       st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 255)), max_size=8),
       st.one_of(st.none(), st.integers(0, 10**6)),
       st.sampled_from([None, 1, 3]))
def test_mutated_valid_files(name, flips, cut, channels):
    data = bytearray(VALID_FILES[name])
    for position, mask in flips:
        data[position % len(data)] ^= mask
    if cut is not None:
        data = data[: cut % len(data)]
    check_survives(bytes(data), channels=channels, max_pixels=FUZZ_MAX_PIXELS)


@pytest.mark.parametrize("name", sorted(VALID_FILES))
def test_every_truncation_and_seeded_byte_flips(name):
    data = VALID_FILES[name]
    assert check_survives(data)  # the unmutated file reads
    step = max(1, len(data) // 150)
    truncations = [data[:cut] for cut in range(0, len(data), step)]
    rng = random.Random(name)
    flipped = []
    for _ in range(150):
        mutant = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            mutant[rng.randrange(len(mutant))] ^= rng.randint(1, 255)
        flipped.append(bytes(mutant))
    for bad in truncations + flipped:
        check_survives(bad, max_pixels=FUZZ_MAX_PIXELS)
