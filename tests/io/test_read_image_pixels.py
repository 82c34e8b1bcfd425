"""read_image on valid images of every mode and format: the pixels must come out right."""

import struct

import numpy as np
import pytest
from PIL import Image

from kerasvision.io import ImageReadError, read_image

RNG = np.random.default_rng(20261125)


def random_rgb(height, width):
    return RNG.integers(0, 256, (height, width, 3), dtype=np.uint8)


@pytest.mark.parametrize("name", ["rgb.png", "rgb.bmp", "rgb.tif", "rgb.webp"])
def test_lossless_formats_round_trip_exactly(write_file, name):
    pixels = random_rgb(7, 11)
    save_options = {"lossless": True} if name.endswith(".webp") else {}
    path = write_file(name, Image.fromarray(pixels), **save_options)
    image = read_image(path)
    assert image.dtype == np.uint8 and image.shape == (7, 11, 3)
    np.testing.assert_array_equal(image, pixels)


def test_bytes_and_path_give_the_same_pixels(write_file, encode):
    pixels = random_rgb(5, 6)
    data = encode(Image.fromarray(pixels), "PNG")
    path = write_file("a.png", data)
    np.testing.assert_array_equal(read_image(data), read_image(str(path)))
    np.testing.assert_array_equal(read_image(bytearray(data)), pixels)


def test_result_is_a_writable_contiguous_copy(write_file):
    image = read_image(write_file("a.png", Image.fromarray(random_rgb(3, 4))))
    assert image.flags.writeable and image.flags.c_contiguous
    image[0, 0, 0] = 7  # must not raise


def test_grey_image_keeps_one_channel_and_replicates_into_rgb(write_file):
    grey = RNG.integers(0, 256, (6, 9), dtype=np.uint8)
    path = write_file("grey.png", Image.fromarray(grey, mode="L"))
    np.testing.assert_array_equal(read_image(path), grey[:, :, None])
    rgb = read_image(path, channels=3)
    assert rgb.shape == (6, 9, 3)
    for channel in range(3):
        np.testing.assert_array_equal(rgb[:, :, channel], grey)


def test_rgb_to_grey_is_itu_r_601_luma(write_file):
    pixels = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]]],
                      dtype=np.uint8)
    grey = read_image(write_file("rgb.png", Image.fromarray(pixels)), channels=1)
    assert grey.shape == (1, 4, 1)
    # L = 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601), as PIL's convert("L")
    np.testing.assert_array_equal(grey[0, :, 0], [76, 150, 29, 255])


def test_16_bit_grey_png_is_scaled_not_clipped(write_file):
    samples = np.array([[0, 257, 32896, 65535, 1000, 40000]], dtype=np.uint16)
    path = write_file("deep.png", Image.fromarray(samples))
    assert Image.open(path).mode.startswith("I")  # the fixture really is 16-bit
    image = read_image(path)
    assert image.shape == (1, 6, 1)
    expected = np.rint(samples.astype(np.float64) * 255 / 65535)
    np.testing.assert_array_equal(image[:, :, 0], expected)  # [0, 1, 128, 255, 4, 156]


def test_16_bit_rgb_png_is_scaled_to_8_bits(write_file, handmade_png):
    samples = np.array([[[0, 32896, 65535], [65535, 1000, 40000]]], dtype=">u2")
    rows = b"\x00" + samples.tobytes()  # filter type 0 (None) for the one scanline
    path = write_file("deep_rgb.png", handmade_png(2, 1, 16, 2, rows))
    image = read_image(path)
    assert image.shape == (1, 2, 3)
    expected = samples.astype(np.float64) * 255 / 65535
    # Pillow keeps the high byte (v // 256): within one level of exact rounding.
    assert np.abs(image - expected).max() <= 1
    np.testing.assert_array_equal(image[0, 0], [0, 128, 255])


def test_cmyk_jpeg_becomes_rgb(write_file):
    cmyk = Image.new("CMYK", (16, 16), (0, 255, 255, 0))  # no cyan, full magenta+yellow = red
    cmyk.paste((0, 0, 0, 255), (0, 8, 16, 16))  # bottom half: full black
    path = write_file("cmyk.jpg", cmyk, quality=95)
    assert Image.open(path).mode == "CMYK"
    image = read_image(path).astype(int)
    assert image.shape == (16, 16, 3)
    assert np.abs(image[:6] - [255, 0, 0]).max() <= 8
    assert np.abs(image[10:] - [0, 0, 0]).max() <= 8


def test_rgba_png_is_composited_on_white(write_file):
    rgba = np.array([[[0, 0, 0, 0], [255, 0, 0, 255], [0, 0, 0, 128], [0, 0, 255, 64]]],
                    dtype=np.uint8)
    image = read_image(write_file("rgba.png", Image.fromarray(rgba, mode="RGBA")))
    assert image.shape == (1, 4, 3)
    np.testing.assert_array_equal(image[0, 0], [255, 255, 255])  # transparent black -> white
    np.testing.assert_array_equal(image[0, 1], [255, 0, 0])  # opaque -> unchanged
    assert np.abs(image[0, 2].astype(int) - 127).max() <= 1  # half black over white
    assert np.abs(image[0, 3].astype(int) - [191, 191, 255]).max() <= 1


def test_grey_with_alpha_stays_grey_and_is_composited(write_file):
    la = Image.fromarray(np.array([[[0, 0], [0, 255], [200, 255]]], dtype=np.uint8), "LA")
    image = read_image(write_file("la.png", la))
    assert image.shape == (1, 3, 1)
    np.testing.assert_array_equal(image[0, :, 0], [255, 0, 200])


def test_palette_png_with_transparent_index_is_composited_on_white(write_file):
    palette_image = Image.new("P", (3, 1))
    palette_image.putpalette([0, 0, 0, 0, 0, 255, 0, 255, 0] + [0] * (253 * 3))
    palette_image.putdata([0, 1, 2])
    path = write_file("palette.png", palette_image, transparency=0)
    opened = Image.open(path)
    assert opened.mode == "P" and "transparency" in opened.info
    image = read_image(path)
    np.testing.assert_array_equal(image[0], [[255, 255, 255], [0, 0, 255], [0, 255, 0]])


def test_grey_palette_gives_one_channel(write_file):
    palette_image = Image.new("P", (2, 1))
    palette_image.putpalette([10, 10, 10, 240, 240, 240] + [0] * (254 * 3))
    palette_image.putdata([0, 1])
    image = read_image(write_file("grey_palette.png", palette_image))
    np.testing.assert_array_equal(image, [[[10], [240]]])


def test_bilevel_image_gives_0_and_255(write_file):
    bits = Image.fromarray(np.array([[True, False, True]]))
    assert bits.mode == "1"
    image = read_image(write_file("bits.png", bits))
    np.testing.assert_array_equal(image[0, :, 0], [255, 0, 255])


def quadrants(height, width):
    """An image whose four quadrants differ, so every rotation and flip is visible."""
    pixels = np.zeros((height, width, 3), dtype=np.uint8)
    pixels[: height // 2, : width // 2] = (255, 0, 0)
    pixels[: height // 2, width // 2:] = (0, 255, 0)
    pixels[height // 2:, : width // 2] = (0, 0, 255)
    pixels[height // 2:, width // 2:] = (255, 255, 0)
    return pixels


@pytest.mark.parametrize("orientation, expected", [
    (1, lambda p: p),
    (3, lambda p: np.rot90(p, 2)),
    (6, lambda p: np.rot90(p, -1)),  # "rotate 90° clockwise to display"
    (8, lambda p: np.rot90(p, 1)),
    (2, lambda p: p[:, ::-1]),
])
def test_exif_orientation_is_applied(write_file, orientation, expected):
    pixels = quadrants(32, 64)
    exif = Image.Exif()
    exif[0x0112] = orientation  # the EXIF Orientation tag
    path = write_file("exif.jpg", Image.fromarray(pixels), exif=exif, quality=95)
    assert Image.open(path).getexif()[0x0112] == orientation
    image = read_image(path)
    want = expected(pixels)
    assert image.shape == want.shape
    assert np.abs(image.astype(int) - want).mean() < 4  # JPEG noise only


def test_animated_gif_gives_its_first_frame(write_file):
    frames = [Image.new("RGB", (4, 3), colour) for colour in [(255, 0, 0), (0, 0, 255)]]
    path = write_file("animated.gif", frames[0], save_all=True, append_images=frames[1:],
                      duration=100, loop=0)
    assert Image.open(path).n_frames == 2
    image = read_image(path)
    assert image.shape == (3, 4, 3)
    np.testing.assert_array_equal(image, np.broadcast_to([255, 0, 0], (3, 4, 3)))


def test_multi_page_tiff_gives_its_first_page(write_file):
    pages = [Image.new("L", (5, 2), level) for level in (10, 200, 90)]
    path = write_file("pages.tif", pages[0], save_all=True, append_images=pages[1:])
    assert Image.open(path).n_frames == 3
    np.testing.assert_array_equal(read_image(path), np.full((2, 5, 1), 10))


def test_float_tiff_in_unit_range_is_scaled(write_file):
    samples = np.array([[0.0, 0.5, 1.0]], dtype=np.float32)
    image = read_image(write_file("float.tif", Image.fromarray(samples, mode="F")))
    np.testing.assert_array_equal(image[0, :, 0], [0, 128, 255])


@pytest.mark.parametrize("height, width", [(1, 1), (1, 2000), (2000, 1)])
def test_tiny_and_extreme_aspect_ratio_images(write_file, height, width):
    pixels = random_rgb(height, width)
    image = read_image(write_file("odd.png", Image.fromarray(pixels)))
    np.testing.assert_array_equal(image, pixels)
    assert read_image(write_file("odd.png", Image.fromarray(pixels)), channels=1).shape == (
        height, width, 1)


@pytest.mark.parametrize("channels", [0, 2, 4, "rgb"])
def test_invalid_channels_is_a_programming_error(write_file, channels):
    path = write_file("a.png", Image.fromarray(random_rgb(2, 2)))
    with pytest.raises(ValueError, match="channels") as raised:
        read_image(path, channels=channels)
    assert not isinstance(raised.value, ImageReadError)


def test_handmade_png_helper_makes_valid_pngs(handmade_png):
    # Guards the bomb test below it: the same writer gives a readable image.
    rows = b"".join(b"\x00" + bytes([value] * 3) for value in (0, 255))
    image = read_image(handmade_png(3, 2, 8, 0, rows))
    np.testing.assert_array_equal(image[:, :, 0], [[0, 0, 0], [255, 255, 255]])
    assert struct.unpack(">I", handmade_png(3, 2, 8, 0, rows)[16:20])[0] == 3
