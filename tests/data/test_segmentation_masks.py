"""read_segmentation_mask: class-index PNGs read exactly; wrong kinds of mask refused."""

import io
import struct
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image, ImageFile

from kerasvision.data.segmentation_masks import SegmentationMaskError, read_segmentation_mask

FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
INDICES = np.array([[0, 1, 2], [255, 2, 0]], np.uint8)


def save(tmp_path, image, name="mask.png", **options):
    path = tmp_path / name
    image.save(path, **options)
    return path


def error_of(path, *args, **kwargs):
    with pytest.raises(SegmentationMaskError) as raised:
        read_segmentation_mask(path, *args, **kwargs)
    message = str(raised.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    return raised.value.reason


def test_grey_mask(tmp_path):
    mask = read_segmentation_mask(save(tmp_path, Image.fromarray(INDICES)), 3, (2, 3))
    assert mask.dtype == np.uint8
    np.testing.assert_array_equal(mask, INDICES)


def test_palette_mask_keeps_indices_not_colours(tmp_path):
    image = Image.fromarray(INDICES, mode="P")
    image.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255] + [7] * (253 * 3))  # VOC-like colours
    np.testing.assert_array_equal(read_segmentation_mask(save(tmp_path, image), 3), INDICES)


def test_relative_path_under_a_root(tmp_path):
    (tmp_path / "masks").mkdir()
    save(tmp_path, Image.fromarray(INDICES), "masks/a.png")
    np.testing.assert_array_equal(read_segmentation_mask("masks/a.png", 3, root=tmp_path),
                                  INDICES)
    with pytest.raises(SegmentationMaskError, match="climbs out with '..'"):
        read_segmentation_mask("../a.png", 3, root=tmp_path / "masks")


def test_wrong_kinds_of_mask(tmp_path):
    rgb = Image.fromarray(np.stack([INDICES] * 3, -1))
    assert error_of(save(tmp_path, rgb), 3) == ("mask has mode RGB; it must hold one class "
                                                "index per pixel (mode L or P)")
    assert error_of(save(tmp_path, Image.fromarray(INDICES), "m.jpg"), 3) == (
        "mask must be a PNG (lossless), got JPEG")
    wide = Image.fromarray(np.array([[0, 1000]], np.uint16))
    assert "mode I;16" in error_of(save(tmp_path, wide, "w.png"), 3)
    assert error_of(save(tmp_path, Image.fromarray(INDICES).convert("1"), "b.png"), 3) == (
        "mask has mode 1; it must hold one class index per pixel (mode L or P)")


def test_size_mismatch_and_out_of_range(tmp_path):
    path = save(tmp_path, Image.fromarray(INDICES))
    assert error_of(path, 3, (3, 2)) == ("mask is 3x2 (width x height) but its image is 2x3")
    assert error_of(path, 2) == ("class indices 2 out of range for 2 classes (valid: 0..1, "
                                 "and 255 to ignore)")
    many = save(tmp_path, Image.fromarray(np.arange(2, 12, dtype=np.uint8)[None]), "n.png")
    assert "class indices 2, 3, 4, 5, 6, ... out of range" in error_of(many, 2)
    with pytest.raises(ValueError, match="num_classes must be in 1..255"):
        read_segmentation_mask(path, 0)


def test_broken_files(tmp_path):
    assert error_of(tmp_path / "missing.png", 3) == "no such file"
    assert error_of(tmp_path, 3) == "is a directory"
    (tmp_path / "text.png").write_text("not a mask")
    assert error_of(tmp_path / "text.png", 3) == "not an image"
    (tmp_path / "empty.png").write_bytes(b"")
    assert error_of(tmp_path / "empty.png", 3) == "not an image"


def test_truncated_png_even_when_pillow_is_told_to_allow_it(tmp_path, monkeypatch):
    noise = np.random.default_rng(0).integers(0, 3, (64, 64), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noise).save(buffer, "PNG")
    path = tmp_path / "cut.png"
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    assert error_of(path, 3).startswith("broken PNG mask")


def bomb_png(width, height):
    """A grey PNG whose header claims width x height over a few bytes of data."""
    def chunk(kind, payload):
        return (struct.pack(">I", len(payload)) + kind + payload
                + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


@pytest.mark.parametrize("side, problem", [
    (10_000, "mask of 10000x10000 pixels refused"),  # above ours, below Pillow's limit
    (20_000, "mask refused: Pillow's decompression-bomb limit"),
])
def test_decompression_bomb_refused_from_the_header(tmp_path, side, problem):
    path = tmp_path / "bomb.png"
    path.write_bytes(bomb_png(side, side))
    assert error_of(path, 3).startswith(problem)


# ---- fuzzing: whatever the file, a mask or a SegmentationMaskError ----------------------

def read_or_mask_error(path, *args):
    try:
        return read_segmentation_mask(path, *args)
    except SegmentationMaskError as error:
        assert str(error).startswith(f"{path}: ") and "\n" not in str(error)
        return None


@FUZZ
@given(data=st.binary(max_size=400))
def test_fuzz_random_bytes(tmp_path, data):
    path = tmp_path / "fuzz.png"
    path.write_bytes(data)
    read_or_mask_error(path, 3)


@FUZZ
@given(pixels=hnp.arrays(np.uint8, hnp.array_shapes(min_dims=2, max_dims=3, max_side=9)),
       mode_format=st.sampled_from([("PNG", None), ("PNG", "P"), ("BMP", None),
                                    ("GIF", None), ("TIFF", None)]),
       classes=st.integers(1, 255), cut=st.floats(0.3, 1.0))
def test_fuzz_generated_images(tmp_path, pixels, mode_format, classes, cut):
    image_format, mode = mode_format
    if pixels.ndim == 3 and pixels.shape[2] not in (3, 4):
        pixels = pixels[..., 0]
    image = Image.fromarray(pixels)
    if mode:
        image = image.convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, image_format)
    path = tmp_path / "fuzz.png"
    path.write_bytes(buffer.getvalue()[: max(1, int(len(buffer.getvalue()) * cut))])
    mask = read_or_mask_error(path, classes)
    if mask is not None:  # accepted: a 2-D index array in range
        assert mask.shape == pixels.shape[:2]
        assert np.all((mask < classes) | (mask == 255))
