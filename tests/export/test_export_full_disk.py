"""A full disk or an unwritable target during export: one clear line, nothing half-left."""

import errno

import pytest

from kerasvision.export.versioned_directory import existing_versions, write_version


def disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_disk_full_while_writing_files(tmp_path):
    def write(folder):
        (folder / "saved_model.pb").write_bytes(b"x" * 4096)
        disk_full()  # the next write() finds the disk full

    with pytest.raises(OSError) as raised:
        write_version(tmp_path, write)
    assert str(raised.value) == f"{tmp_path}: disk full while exporting version 1"
    assert list(tmp_path.iterdir()) == []  # neither a version nor a leftover temporary


def test_disk_full_while_syncing_before_the_rename(tmp_path, monkeypatch):
    from kerasvision.io import atomic_files

    (tmp_path / "1").mkdir()
    monkeypatch.setattr(atomic_files, "_fsync_tree", disk_full)
    with pytest.raises(OSError, match=r": disk full while exporting version 2$"):
        write_version(tmp_path, lambda folder: (folder / "saved_model.pb").write_text("x"))
    assert existing_versions(tmp_path) == [1] and [p.name for p in tmp_path.iterdir()] == ["1"]


@pytest.fixture(scope="module")
def tiny_model_file(tmp_path_factory):
    import keras

    from kerasvision.tasks.image_classifier import ImageClassifier

    keras.utils.set_random_seed(0)
    path = tmp_path_factory.mktemp("model") / "tiny.keras"
    ImageClassifier.from_architecture("wrn_16_2", (28, 28, 1), ["a", "b"], width=1,
                                      depth=10).save(path)
    return path


def run_main(args, capsys):
    from kerasvision.cli.main import main

    with pytest.raises(SystemExit) as exited:
        main(args)
    captured = capsys.readouterr()
    return exited.value.code, captured.out, captured.err


def test_cli_reports_a_full_disk_in_one_line(tiny_model_file, tmp_path, capsys, monkeypatch):
    from kerasvision.export import task_export

    class FullDiskArchive:
        def write_out(self, directory, verbose=False):
            disk_full()

    monkeypatch.setattr(task_export, "build_serving_archive",
                        lambda *args, **kwargs: FullDiskArchive())
    base = tmp_path / "served"
    code, out, err = run_main(["export", str(tiny_model_file), "--output", str(base)], capsys)
    assert (code, out) == (1, "")
    assert err == f"kerasvision: error: {base}: disk full while exporting version 1\n"
    assert not base.exists()  # nothing half-written, and no empty base left (issue 15 §4)


def test_cli_reports_an_unwritable_target_in_one_line(tiny_model_file, tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    code, out, err = run_main(["export", str(tiny_model_file), "--output",
                               str(blocker / "served")], capsys)
    assert (code, out) == (1, "")
    assert err.startswith(f"kerasvision: error: {blocker / 'served'}: cannot create the "
                          "export directory")
    assert err.count("\n") == 1
