"""Fixtures for tests/io: every test image is generated here at test time (no binary blobs)."""

import io
import struct
import zlib

import pytest
from PIL import Image


def encode(image, image_format, **save_options):
    """The bytes of `image` saved in `image_format`."""
    buffer = io.BytesIO()
    image.save(buffer, image_format, **save_options)
    return buffer.getvalue()


def png_chunk(kind, payload):
    """One PNG chunk: length, type, payload, CRC-32 over type and payload (PNG spec §5.3)."""
    return (struct.pack(">I", len(payload)) + kind + payload
            + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF))


def handmade_png(width, height, bit_depth, colour_type, raw_rows):
    """A PNG written chunk by chunk, so the header may claim what the data does not hold.

    Args:
        raw_rows: the filtered scanlines (each starting with its filter byte) to deflate
            into the single IDAT chunk.
    """
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header)
            + png_chunk(b"IDAT", zlib.compress(raw_rows)) + png_chunk(b"IEND", b""))


@pytest.fixture
def write_file(tmp_path):
    """write_file(name, content) -> path; content is bytes, str, or a PIL image (saved in
    the format its name's extension says, with `save_options`)."""

    def write(name, content, **save_options):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Image.Image):
            content.save(path, **save_options)
        elif isinstance(content, str):
            path.write_text(content)
        else:
            path.write_bytes(content)
        return path

    return write


@pytest.fixture(name="encode")
def encode_fixture():
    """encode(image, format, **save_options) -> bytes."""
    return encode


@pytest.fixture(name="handmade_png")
def handmade_png_fixture():
    """handmade_png(width, height, bit_depth, colour_type, raw_rows) -> PNG bytes."""
    return handmade_png
