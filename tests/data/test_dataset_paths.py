"""resolve_inside: a file name from an annotation file can never lead outside the root."""

import os
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kerasvision.data.dataset_paths import DatasetFileError, resolve_inside


class SampleError(DatasetFileError):
    pass


def resolve(root, name):
    return resolve_inside(root, name, SampleError, "ann.json", "file_name")


@pytest.mark.parametrize("name, problem", [
    ("../secret.txt", "climbs out with '..'"),
    ("images/../../secret.txt", "climbs out with '..'"),
    ("images\\..\\..\\secret.txt", "climbs out with '..'"),
    ("/etc/passwd", "is absolute"),
    ("\\\\server\\share\\x.jpg", "is absolute"),
    ("C:\\Windows\\x.jpg", "is absolute"),
    ("C:x.jpg", "is absolute"),
    ("", "must be a non-empty string"),
    ("   ", "must be a non-empty string"),
    (None, "must be a non-empty string"),
    (42, "must be a non-empty string"),
    ("a\x00b.jpg", "contains a NUL"),
])
def test_escapes_and_non_names_are_refused(tmp_path, name, problem):
    with pytest.raises(SampleError) as raised:
        resolve(tmp_path, name)
    message = str(raised.value)
    assert message.startswith("ann.json: file_name") and problem in message
    assert "\n" not in message


def test_symlink_out_of_the_root_is_refused(tmp_path):
    root, outside = tmp_path / "data", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "link").symlink_to(outside, target_is_directory=True)
    with pytest.raises(SampleError, match="leads outside the dataset root"):
        resolve(root, "link/secret.jpg")


def test_symlink_inside_the_root_is_fine(tmp_path):
    (tmp_path / "images").mkdir()
    (tmp_path / "alias").symlink_to(tmp_path / "images", target_is_directory=True)
    assert resolve(tmp_path, "alias/a.jpg") == (tmp_path / "images" / "a.jpg").resolve()


def test_plain_relative_names_resolve_under_the_root(tmp_path):
    assert resolve(tmp_path, "a/b/c.jpg") == tmp_path.resolve() / "a" / "b" / "c.jpg"
    assert resolve(tmp_path, "./a//c.jpg") == tmp_path.resolve() / "a" / "c.jpg"


def test_messages_stay_one_line_and_pickle():
    error = SampleError("ann.json", "value 'a\nb'\r\n" + "x" * 1000)
    assert "\n" not in str(error) and "\r" not in str(error) and len(str(error)) < 320
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), str(copy), copy.path) == (SampleError, str(error), "ann.json")
    assert isinstance(copy, ValueError)


@settings(max_examples=300, deadline=None)
@given(name=st.one_of(
    st.text(max_size=40),
    st.lists(st.sampled_from(["..", ".", "", "a", "b.jpg", "/", "\\", "C:", "~", "%2e%2e"]),
             max_size=8).map("/".join)))
def test_fuzzed_names_resolve_inside_or_raise_the_dataset_error(tmp_path_factory, name):
    root = tmp_path_factory.getbasetemp() / "fuzz_root"
    root.mkdir(exist_ok=True)
    try:
        resolved = resolve(root, name)
    except SampleError as error:
        assert "\n" not in str(error)
        return
    real_root = root.resolve()
    assert resolved == real_root or real_root in resolved.parents
    assert os.path.commonpath([resolved, real_root]) == str(real_root)
