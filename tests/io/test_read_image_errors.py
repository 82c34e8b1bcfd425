"""read_image on bad input: always an ImageReadError naming the file and the problem."""

import os
import pickle
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image, ImageFile

import kerasvision
from kerasvision.io import ImageReadError, read_image
from kerasvision.io import image_error_reasons, image_reader, image_sources

RNG = np.random.default_rng(7)
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(kerasvision.__file__)))


def noisy_image(height=48, width=64):
    return Image.fromarray(RNG.integers(0, 256, (height, width, 3), dtype=np.uint8))


def error_of(source, **options):
    with pytest.raises(ImageReadError) as raised:
        read_image(source, **options)
    return raised.value


def test_message_is_one_line_naming_file_and_problem(write_file):
    path = write_file("empty.jpg", b"")
    error = error_of(path)
    assert str(error) == f"{path}: empty file (0 bytes)"
    assert (error.path, error.reason) == (str(path), "empty file (0 bytes)")
    assert "\n" not in str(error) and isinstance(error, ValueError)


def test_error_survives_pickling():
    error = ImageReadError("a.png", "truncated PNG")
    copy = pickle.loads(pickle.dumps(error))
    assert (str(copy), copy.path, copy.reason) == ("a.png: truncated PNG", "a.png", "truncated PNG")


def test_empty_bytes():
    assert str(error_of(b"")) == "<bytes>: empty file (0 bytes)"


def test_text_file_named_jpg(write_file):
    path = write_file("photo.jpg", "Hello, this is not a JPEG.\nSecond line.\n")
    assert str(error_of(path)) == f"{path}: not an image (text file named .jpg)"


def test_binary_junk_named_png(write_file):
    path = write_file("junk.png", bytes(range(256)) * 4)
    assert error_of(path).reason == "not an image (unknown format)"


def test_directory(tmp_path):
    folder = tmp_path / "dir"
    folder.mkdir()
    assert str(error_of(folder)) == f"{folder}: is a directory"


def test_missing_path(tmp_path):
    path = tmp_path / "a.png"
    assert str(error_of(path)) == f"{path}: no such file"


def test_missing_parent_directory_is_a_plain_missing_file(tmp_path):
    assert error_of(tmp_path / "nowhere" / "a.png").reason == "no such file"


def test_file_used_as_a_directory(write_file):
    path = write_file("a.png", noisy_image(2, 2))
    assert error_of(os.path.join(path, "b.png")).reason.startswith("no such file")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="running as root: chmod 000 does not stop root reading the file "
                           "(the PermissionError mapping is tested by monkeypatching open)")
def test_unreadable_file(write_file):
    path = write_file("b.png", noisy_image(2, 2))
    path.chmod(0)
    try:
        assert str(error_of(path)) == f"{path}: permission denied"
    finally:
        path.chmod(0o644)


def test_permission_error_maps_to_permission_denied(write_file, monkeypatch):
    path = write_file("b.png", noisy_image(2, 2))

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(image_sources, "open", refuse, raising=False)
    assert str(error_of(path)) == f"{path}: permission denied"


def test_other_os_errors_are_named(write_file, monkeypatch):
    path = write_file("c.png", noisy_image(2, 2))

    def fail(*args, **kwargs):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(image_sources, "open", fail, raising=False)
    assert error_of(path).reason == "cannot read (Input/output error)"


@pytest.mark.parametrize("image_format, suffix", [("PNG", "png"), ("JPEG", "jpg"),
                                                  ("GIF", "gif"), ("BMP", "bmp"),
                                                  ("TIFF", "tif")])
@pytest.mark.parametrize("kept", [0.2, 0.5, 0.9])
def test_truncated_images_are_errors(write_file, encode, image_format, suffix, kept):
    data = encode(noisy_image(), image_format)
    path = write_file(f"x.{suffix}", data[: int(len(data) * kept)])
    assert str(error_of(path)) == f"{path}: truncated {image_format}"


def test_jpeg_cut_anywhere_in_its_data_is_an_error(encode):
    data = encode(noisy_image(), "JPEG")
    for cut in range(700, len(data), 97):
        assert error_of(data[:cut]).reason == "truncated JPEG"


def test_cut_inside_the_header_names_the_format(encode):
    data = encode(noisy_image(), "PNG")
    assert error_of(data[:12]).reason == "not an image (broken PNG header: truncated or corrupt)"


def test_truncation_is_an_error_even_if_someone_allowed_truncated_images(encode, monkeypatch):
    # tensorflow_datasets, for one, sets this global at import.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    data = encode(noisy_image(), "PNG")
    assert error_of(data[: len(data) // 2]).reason == "truncated PNG"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # restored for its owner
    assert read_image(data).shape == (48, 64, 3)


def test_corrupted_png_data_is_an_error(encode):
    data = bytearray(encode(noisy_image(), "PNG"))
    data[len(data) // 2] ^= 0xFF  # breaks the IDAT chunk's CRC and its deflate stream
    assert error_of(bytes(data)).reason.startswith(("corrupt PNG", "truncated PNG"))


def test_decoder_failures_of_any_type_become_image_read_errors(encode, monkeypatch):
    def explode(*args, **kwargs):
        raise ZeroDivisionError("a decoder bug")

    data = encode(noisy_image(2, 2), "PNG")
    monkeypatch.setattr(ImageFile.ImageFile, "load", explode)
    error = error_of(data)
    assert error.reason == "corrupt PNG (a decoder bug)"
    assert isinstance(error.__cause__, ZeroDivisionError)


def bomb_png(handmade_png, side):
    # A valid PNG whose header claims side × side RGB pixels, with one row of data.
    return handmade_png(side, side, 8, 2, b"\x00" + bytes(3 * min(side, 16)))


def test_decompression_bomb_is_refused_from_the_header_quickly(write_file, handmade_png):
    data = bomb_png(handmade_png, 60000)
    assert len(data) < 200
    path = write_file("big.png", data)
    start = time.perf_counter()
    error = error_of(path)
    assert time.perf_counter() - start < 1.0
    assert str(error) == f"{path}: refused, header claims 60000×60000 pixels (limit 89 megapixels)"


def test_bomb_between_pillows_warning_and_error_limits_is_refused(handmade_png):
    # 10000² = 100 M pixels: Pillow only warns (limit 89 M, error above 179 M).
    error = error_of(bomb_png(handmade_png, 10000))
    assert error.reason == "refused, header claims 10000×10000 pixels (limit 89 megapixels)"


def test_own_pixel_limit_refuses_before_decoding(handmade_png, encode):
    # 9000² = 81 M pixels would allocate 243 MB if decoded; the 50 M limit refuses it first.
    error = error_of(bomb_png(handmade_png, 9000), max_pixels=50_000_000)
    assert error.reason == "refused, header claims 9000×9000 pixels (limit 50 megapixels)"
    small = encode(noisy_image(20, 30), "PNG")
    assert error_of(small, max_pixels=100).reason == (
        "refused, header claims 30×20 pixels (limit 100 pixels)")
    assert read_image(small, max_pixels=600).shape == (20, 30, 3)


def test_pillows_own_bomb_error_maps_to_image_read_error(encode, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    error = error_of(encode(noisy_image(20, 30), "PNG"), max_pixels=10**9)
    assert error.reason == "refused, header claims 30×20 pixels (limit 1000 megapixels)"


def test_bomb_wording_falls_back_to_pillows_pixel_count(monkeypatch):
    monkeypatch.setattr(image_error_reasons, "_header_size_unchecked", lambda file: None)
    reason = image_error_reasons.refused_by_pillow(
        None, Image.DecompressionBombError("Image size (3600000000 pixels) exceeds limit"),
        89_000_000)
    assert reason == "refused, header claims 3,600,000,000 pixels (limit 89 megapixels)"


def test_zero_width_header_is_an_error(handmade_png):
    assert isinstance(error_of(handmade_png(0, 5, 8, 0, b"\x00")), ImageReadError)


def test_pillow_warnings_do_not_reach_the_user(encode, recwarn):
    data = encode(noisy_image(), "TIFF")
    for cut in (150, 400, len(data) // 2):
        with pytest.raises(ImageReadError):
            read_image(data[:cut])
    assert [str(w.message) for w in recwarn] == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    assert error_of(fifo).reason == "not a regular file (device, FIFO or socket)"


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_endless_device_is_refused():
    assert error_of("/dev/zero").reason == "not a regular file (device, FIFO or socket)"


def test_huge_file_refused_from_its_header_is_not_read_in_full(tmp_path, handmade_png):
    path = tmp_path / "huge.png"
    path.write_bytes(bomb_png(handmade_png, 60000))
    with open(path, "r+b") as file:
        file.truncate(4 * 1024**3)  # 4 GiB, sparse: reading it all would take many seconds
    start = time.perf_counter()
    assert error_of(path).reason.startswith("refused, header claims 60000×60000 pixels")
    assert time.perf_counter() - start < 1.0


def test_unreadable_exif_leaves_the_image_as_stored(encode, monkeypatch):
    def broken(image, **kwargs):
        raise SyntaxError("not a TIFF IFD")

    monkeypatch.setattr(image_reader.ImageOps, "exif_transpose", broken)
    pixels = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)
    np.testing.assert_array_equal(read_image(encode(Image.fromarray(pixels), "PNG")), pixels)


def test_decoder_details_quoting_garbage_bytes_are_left_out():
    reason = image_error_reasons.decoder_failed(
        ValueError("invalid literal for int() with base 10: b'\\xde\\x01'"), "PPM")
    assert reason == "corrupt PPM"
    assert image_error_reasons.decoder_failed(OSError("broken data stream"), "PNG") == (
        "corrupt PNG (broken data stream)")
    assert image_error_reasons.decoder_failed(EOFError(), None) == "truncated image"


QUIET_READER = """
import io, sys
from PIL import Image
from kerasvision.io import ImageReadError, read_image
buffer = io.BytesIO()
Image.new("RGB", (4, 4)).save(buffer, "TIFF")
data = bytearray(buffer.getvalue())
entry = data.index(b"\\x15\\x01\\x03\\x00\\x01\\x00\\x00\\x00")  # SamplesPerPixel, 1 SHORT
data[entry + 8:entry + 10] = (60000).to_bytes(2, "little")
try:
    read_image(bytes(data))
except ImageReadError as error:
    print(error)
"""


def test_pillow_log_lines_do_not_reach_stderr():
    # Pillow logs "More samples per pixel than can be decoded" before raising; without
    # logging configured Python would print it. A fresh process, as pytest captures logs.
    environment = dict(os.environ, PYTHONPATH=REPO_ROOT)
    finished = subprocess.run([sys.executable, "-c", QUIET_READER], capture_output=True,
                              text=True, env=environment, timeout=60)
    assert finished.stdout == "<bytes>: not an image (broken TIFF header: truncated or corrupt)\n"
    assert finished.stderr == ""


def test_float_image_with_nan_and_infinity(write_file):
    samples = np.array([[np.nan, np.inf, -np.inf, 0.5]], dtype=np.float32)
    image = read_image(write_file("odd.tif", Image.fromarray(samples, mode="F")))
    np.testing.assert_array_equal(image[0, :, 0], [0, 255, 0, 128])  # finite part is [0, 1]
