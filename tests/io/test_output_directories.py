"""A failed run leaves no empty folders it created behind (issue 15 §4)."""

import pytest

from kerasvision.export.versioned_directory import write_version
from kerasvision.io.output_directories import missing_parents, remove_if_empty


def test_only_the_folders_a_run_created_and_left_empty_go(tmp_path):
    created = missing_parents(tmp_path / "a" / "b" / "c")
    assert created == [tmp_path / "a" / "b" / "c", tmp_path / "a" / "b", tmp_path / "a"]
    (tmp_path / "a" / "b" / "c").mkdir(parents=True)
    (tmp_path / "a" / "note.txt").write_text("written during the run")
    remove_if_empty(created)
    assert not (tmp_path / "a" / "b").exists() and (tmp_path / "a" / "note.txt").is_file()


def test_a_failed_first_export_leaves_no_base_directory(tmp_path):
    def broken(folder):
        raise RuntimeError("the export check failed")

    base = tmp_path / "models" / "fashion"
    with pytest.raises(RuntimeError):
        write_version(base, broken)
    assert not (tmp_path / "models").exists()  # before: models/fashion/ left, empty
    (base / "1").mkdir(parents=True)
    with pytest.raises(RuntimeError):
        write_version(base, broken)
    assert (base / "1").is_dir()  # an existing base, and its versions, are untouched
