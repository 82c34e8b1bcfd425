"""iter_image_files and read_images: expanding paths, and batches that survive bad files."""

import os

import numpy as np
import pytest
from PIL import Image

from kerasvision.io import (FoundFile, ImageReadError, ReadResult, iter_image_files,
                            read_images)
from kerasvision.io import image_files


def tiny(colour=(255, 0, 0), size=(4, 3)):
    return Image.new("RGB", size, colour)


@pytest.fixture
def tree(tmp_path, write_file):
    """photos/ with images in several cases and depths, plus things that are not images."""
    write_file("photos/b.png", tiny())
    write_file("photos/a.JPG", tiny())
    write_file("photos/notes.txt", "not an image")
    write_file("photos/.hidden.png", tiny())
    write_file("photos/._a.JPG", b"\x00\x05\x16\x07 AppleDouble junk")
    write_file("photos/sub/c.webp", tiny())
    write_file("photos/sub/deeper/d.tiff", tiny())
    write_file("photos/.cache/e.png", tiny())
    write_file("photos/z.bmp", tiny())
    return tmp_path / "photos"


def paths_of(entries, root):
    return [os.path.relpath(entry.path, root) for entry in entries]


def test_directory_is_walked_sorted_recursively_images_only(tree):
    entries = list(iter_image_files([tree]))
    assert all(entry.error is None for entry in entries)
    assert paths_of(entries, tree) == ["a.JPG", "b.png", "sub/c.webp", "sub/deeper/d.tiff",
                                       "z.bmp"]


def test_non_recursive_walk_stays_at_the_top(tree):
    entries = list(iter_image_files([tree], recursive=False))
    assert paths_of(entries, tree) == ["a.JPG", "b.png", "z.bmp"]


def test_single_path_string_is_accepted(tree):
    assert [entry.path for entry in iter_image_files(str(tree / "b.png"))] == [
        str(tree / "b.png")]


def test_named_files_are_kept_in_order_whatever_their_extension(tree):
    named = [tree / "z.bmp", tree / "notes.txt", tree / "a.JPG"]
    assert [entry.path for entry in iter_image_files(named)] == [str(p) for p in named]


def test_missing_path_is_a_record_and_the_batch_goes_on(tree):
    missing = tree / "gone.png"
    entries = list(iter_image_files([missing, tree / "b.png"]))
    assert entries[0].path == str(missing)
    assert str(entries[0].error) == f"{missing}: no such file or directory"
    assert entries[1] == FoundFile(str(tree / "b.png"), None)
    path, error = entries[1]  # unpacks like a plain pair
    assert error is None


def test_directory_without_images_is_a_record(tmp_path, write_file):
    write_file("empty/readme.txt", "hello")
    entries = list(iter_image_files([tmp_path / "empty"]))
    assert len(entries) == 1 and entries[0].path == str(tmp_path / "empty")
    assert entries[0].error.reason.startswith("no image files (.jpg .jpeg .png")


def test_broken_symlink_is_a_record(tmp_path):
    link = tmp_path / "link.png"
    link.symlink_to(tmp_path / "nowhere.png")
    [entry] = iter_image_files([link])
    assert entry.error.reason == "broken symbolic link"


def test_symlinked_directories_are_not_entered(tree):
    (tree / "sub" / "loop").symlink_to(tree, target_is_directory=True)
    assert paths_of(iter_image_files([tree]), tree) == [
        "a.JPG", "b.png", "sub/c.webp", "sub/deeper/d.tiff", "z.bmp"]


def test_unlistable_directory_is_a_record(tree, monkeypatch):
    real_scandir = os.scandir

    def scandir(path):
        if os.path.basename(path) == "sub":
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(image_files.os, "scandir", scandir)
    entries = list(iter_image_files([tree]))
    assert paths_of(entries, tree) == ["a.JPG", "b.png", "sub", "z.bmp"]
    assert str(entries[2].error) == f"{tree / 'sub'}: permission denied"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="running as root: chmod 000 does not stop root listing a directory "
                           "(the mapping is tested by monkeypatching os.scandir)")
def test_unreadable_directory_for_real(tree):
    (tree / "sub").chmod(0)
    try:
        errors = [entry for entry in iter_image_files([tree]) if entry.error]
        assert [entry.error.reason for entry in errors] == ["permission denied"]
    finally:
        (tree / "sub").chmod(0o755)


def test_read_images_survives_every_kind_of_bad_file(tmp_path, write_file):
    good = write_file("good.png", tiny((0, 255, 0)))
    text = write_file("text.jpg", "plain text")
    empty = write_file("empty.png", b"")
    missing = tmp_path / "missing.png"
    also_good = write_file("also_good.bmp", tiny((0, 0, 255), (2, 2)))
    results = list(read_images([good, text, empty, missing, also_good], channels=3))
    assert [result.path for result in results] == [
        str(p) for p in (good, text, empty, missing, also_good)]
    assert [result.error.reason if result.error else None for result in results] == [
        None, "not an image (text file named .jpg)", "empty file (0 bytes)",
        "no such file or directory", None]
    assert all(isinstance(r, ReadResult) for r in results)
    assert results[1].image is None and isinstance(results[1].error, ImageReadError)
    np.testing.assert_array_equal(results[0].image, np.broadcast_to([0, 255, 0], (3, 4, 3)))
    np.testing.assert_array_equal(results[4].image, np.broadcast_to([0, 0, 255], (2, 2, 3)))


def test_read_images_walks_directories_and_converts_channels(tree):
    results = list(read_images([tree], channels=1))
    assert len(results) == 5 and all(error is None for _, _, error in results)
    assert all(image.shape == (3, 4, 1) for _, image, _ in results)
    # luma of pure red is 76; JPEG and lossy WebP may move it a little
    assert all(abs(int(image[0, 0, 0]) - 76) <= 3 for _, image, _ in results)


@pytest.mark.parametrize("size, shape", [((6, 10), (6, 10, 3)), (5, (5, 5, 3)),
                                         ((3, 4), (3, 4, 3))])
def test_read_images_resizes(write_file, size, shape):
    path = write_file("a.png", tiny((10, 200, 30)))
    [(_, image, error)] = read_images([path], size=size)
    assert error is None and image.shape == shape and image.dtype == np.uint8
    np.testing.assert_array_equal(image, np.broadcast_to([10, 200, 30], shape))


def test_read_images_resizes_grey_keeping_the_channel_axis(write_file):
    path = write_file("g.png", Image.new("L", (8, 8), 99))
    [(_, image, _)] = read_images([path], size=(2, 3))
    np.testing.assert_array_equal(image, np.full((2, 3, 1), 99))


@pytest.mark.parametrize("size", [(0, 4), (4,), (1, 2, 3), -1])
def test_read_images_rejects_bad_sizes(size):
    with pytest.raises(ValueError, match="size"):
        list(read_images([], size=size))


def test_read_images_rejects_bad_channels_before_reading_anything():
    with pytest.raises(ValueError, match="channels"):
        next(read_images(["missing.png"], channels=4))
