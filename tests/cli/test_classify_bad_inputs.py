"""End to end: `kerasvision classify DIR --json` over every kind of image users send.

All fixtures are generated here. Each bad input must give exactly one stderr line naming
it, the good ones must all be classified, nothing may print a traceback, and the exit code
must be 1 (some inputs failed); usage errors exit 2. The same folder goes through the
Python API (`ImageClassifier.predict_files`), which must agree with the CLI.
"""

import io
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

import numpy as np
import pytest
from PIL import Image

CLASS_NAMES = ["zero", "one", "two"]
RNG = np.random.default_rng(3)


def noise(height, width, channels=3):
    shape = (height, width) if channels == 1 else (height, width, channels)
    return RNG.integers(0, 256, shape, dtype=np.uint8)


def encoded(image, image_format, **options):
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def png_claiming(width, height):
    """A PNG whose header claims width x height over a few bytes of pixel data."""
    def chunk(kind, payload):
        return (struct.pack(">I", len(payload)) + kind + payload
                + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def good_images():
    """name -> bytes of every awkward-but-valid image the classifier must handle."""
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    palette = Image.fromarray(noise(20, 20, 1) % 4).convert("P")
    frames = [Image.fromarray(noise(16, 16)) for _ in range(3)]
    return {
        "grey.png": encoded(Image.fromarray(noise(30, 30, 1)), "PNG"),
        "rgb.png": encoded(Image.fromarray(noise(30, 30)), "PNG"),
        "deep16.png": encoded(Image.fromarray(
            RNG.integers(0, 65536, (24, 24), dtype=np.uint16)), "PNG"),
        "cmyk.jpg": encoded(Image.fromarray(noise(24, 24)).convert("CMYK"), "JPEG"),
        "rgba.png": encoded(Image.fromarray(noise(24, 24, 4), "RGBA"), "PNG"),
        "palette_transparent.png": encoded(palette, "PNG", transparency=0),
        "exif_rotated.jpg": encoded(Image.fromarray(noise(20, 40)), "JPEG", exif=exif),
        "animated.gif": encoded(frames[0], "GIF", save_all=True, append_images=frames[1:],
                                duration=50, loop=0),
        "multipage.tif": encoded(frames[0], "TIFF", save_all=True, append_images=frames[1:]),
        "plain.bmp": encoded(Image.fromarray(noise(20, 20)), "BMP"),
        "one_pixel.png": encoded(Image.fromarray(noise(1, 1)), "PNG"),
        "very_wide.png": encoded(Image.fromarray(noise(2, 3000)), "PNG"),
    }


def bad_images():
    """name -> (bytes, words the error line must contain)."""
    png = encoded(Image.fromarray(noise(48, 64)), "PNG")
    jpeg = encoded(Image.fromarray(noise(48, 64)), "JPEG")
    return {
        "empty.jpg": (b"", "empty file"),
        "truncated.png": (png[: len(png) // 2], "truncated PNG"),
        "truncated.jpg": (jpeg[: len(jpeg) // 2], "truncated JPEG"),
        "text.jpg": (b"Hello, this is a text file.\n", "not an image"),
        "bomb.png": (png_claiming(30_000, 30_000), "30000"),
        "unreadable.png": (png, "permission denied"),
    }


@pytest.fixture(scope="module")
def workspace():
    """A folder with a grey and an RGB tiny model and every image, good and bad."""
    import keras

    from kerasvision.tasks.image_classifier import ImageClassifier

    root = tempfile.mkdtemp(prefix="kerasvision-bad-inputs-")
    keras.utils.set_random_seed(0)
    models = {}
    for channels in (1, 3):
        path = os.path.join(root, f"tiny_{channels}.keras")
        ImageClassifier.from_architecture("wrn_16_2", (28, 28, channels), CLASS_NAMES,
                                          width=1, depth=10).save(path)
        models[channels] = path
    images = os.path.join(root, "images")
    os.mkdir(images)
    for name, data in good_images().items():
        with open(os.path.join(images, name), "wb") as file:
            file.write(data)
    for name, (data, _) in bad_images().items():
        with open(os.path.join(images, name), "wb") as file:
            file.write(data)
    os.chmod(os.path.join(images, "unreadable.png"), 0)
    os.mkdir(os.path.join(root, "empty_folder"))
    yield {"root": root, "images": images, "models": models}
    os.chmod(os.path.join(images, "unreadable.png"), 0o644)
    shutil.rmtree(root, ignore_errors=True)


def drop_root_file_access():
    """In the child before exec: drop CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the
    bounding set, so that root, too, is kept out by chmod 000 (PR_CAPBSET_DROP = 24)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def as_ordinary_user():
    """subprocess options under which file permissions apply, as they do for users."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return {"preexec_fn": drop_root_file_access}
    return {}


def run_cli(*args, root):
    """`kerasvision ARGS` in a fresh process, with file permissions enforced."""
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    command = [sys.executable, "-m", "kerasvision.cli.main", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=root,
                          timeout=300, **as_ordinary_user())


def permissions_apply(path):
    """True when a process started like the CLI cannot open the chmod-000 `path`."""
    code = f"import sys\ntry:\n    open({path!r}, 'rb')\nexcept PermissionError:\n    sys.exit(3)"
    try:
        return subprocess.run([sys.executable, "-c", code], timeout=60,
                              **as_ordinary_user()).returncode == 3
    except (OSError, subprocess.SubprocessError):
        return False


@pytest.mark.parametrize("channels", [1, 3])
def test_classify_survives_every_bad_input(workspace, channels):
    images, root = workspace["images"], workspace["root"]
    missing = os.path.join(root, "missing.png")
    empty_folder = os.path.join(root, "empty_folder")
    expected_bad = {os.path.join(images, name): words
                    for name, (_, words) in bad_images().items()}
    expected_bad[missing] = "no such file"
    expected_bad[empty_folder] = "no image files"
    good = {os.path.join(images, name) for name in good_images()}
    unreadable = os.path.join(images, "unreadable.png")
    if not permissions_apply(unreadable):  # root unable to drop its capabilities: it reads
        del expected_bad[unreadable]
        good.add(unreadable)

    result = run_cli("classify", images, missing, empty_folder, "--model",
                     workspace["models"][channels], "--json", root=root)

    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == len(expected_bad), result.stderr
    for path, words in expected_bad.items():
        matching = [line for line in lines if line.startswith(f"kerasvision: {path}: ")]
        assert len(matching) == 1, (path, result.stderr)
        assert words in matching[0], (path, matching[0])
    listed = json.loads(result.stdout)
    # Every input is listed, the failed ones with the error stderr gave (issue 15 §4).
    failed = {entry["image"]: entry["error"] for entry in listed if "error" in entry}
    assert sorted(failed) == sorted(expected_bad)
    for path, error in failed.items():
        assert f"kerasvision: {error}" in lines and "predictions" not in error
    classified = [entry for entry in listed if "error" not in entry]
    assert sorted(entry["image"] for entry in classified) == sorted(good)
    for entry in classified:
        predictions = entry["predictions"]
        assert [p["label"] for p in predictions] == [CLASS_NAMES[p["class_id"]]
                                                     for p in predictions]
        assert sorted({p["class_id"] for p in predictions}) == [0, 1, 2]  # top-3 of 3
        scores = [p["score"] for p in predictions]
        assert scores == sorted(scores, reverse=True)
        assert all(0 <= s <= 1 for s in scores) and abs(sum(scores) - 1) < 1e-4


@pytest.mark.parametrize("channels", [1, 3])
def test_python_api_agrees_with_the_cli_on_which_inputs_fail(workspace, channels):
    from kerasvision.tasks.image_classifier import ImageClassifier

    images = workspace["images"]
    classifier = ImageClassifier.load(workspace["models"][channels])
    results = list(classifier.predict_files([images], top_k=2))
    failed = {os.path.basename(r.path) for r in results if r.error}
    bad = set(bad_images())
    if os.geteuid() == 0:  # root reads a chmod-000 file; the CLI test covers that case
        bad.discard("unreadable.png")
    assert failed == bad
    for result in results:
        if result.error:
            assert result.error.startswith(f"{result.path}: ") and "\n" not in result.error
        else:
            assert len(result.predictions) == 2 and result.predictions[0].label in CLASS_NAMES
    assert len(results) == len(good_images()) + len(bad_images())


@pytest.mark.parametrize("args, words", [
    (["classify"], "Missing argument 'INPUTS...'"),
    (["classify", "x.png", "--top-k", "0"], "Invalid value for '--top-k'"),
    (["classify", "x.png", "--batch-size", "many"], "Invalid value for '--batch-size'"),
    (["classify", "x.png", "--no-such-option"], "No such option '--no-such-option'"),
    (["no-such-command"], "No such command 'no-such-command'"),
])
def test_usage_errors_exit_2_with_one_line(args, words):
    result = subprocess.run([sys.executable, "-m", "kerasvision.cli.main", *args],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert words in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert result.stdout == ""
