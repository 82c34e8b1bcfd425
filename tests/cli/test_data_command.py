"""`kerasvision data scenes` writes a COCO folder with a progress bar, and never overwrites."""

import json
import subprocess
import sys

from click.testing import CliRunner

from kerasvision.cli.main import cli
from kerasvision.data.coco_annotations import read_coco_annotations


def invoke(*args):
    return CliRunner().invoke(cli, ["data", "scenes", *args], obj={})


def test_writes_a_small_dataset_with_a_progress_bar(tmp_path):
    output = tmp_path / "scenes"
    result = invoke("--output", str(output), "--count", "3", "--size", "64,64", "--seed", "4",
                    "--split", "test")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["images"] == 3 and summary["split"] == "test"
    assert summary["size"] == [64, 64] and summary["annotations"] >= 3
    assert "Writing 3 test scenes" in result.stderr
    assert sorted(p.name for p in (output / "images").iterdir()) == [
        "000000.png", "000001.png", "000002.png"]
    assert len(list((output / "masks").iterdir())) == 3
    dataset = read_coco_annotations(output / "annotations.json", masks=True)
    assert [(image.width, image.height) for image in dataset.images] == [(64, 64)] * 3
    assert sum(len(image.boxes) for image in dataset.images) == summary["annotations"]


def test_refuses_an_existing_folder_in_one_line_without_loading_tensorflow(tmp_path):
    output = tmp_path / "existing"
    output.mkdir()
    (output / "keep.txt").write_text("mine")
    code = ("import sys\n"
            "from kerasvision.cli.main import main\n"
            "try:\n"
            f"    main(['data', 'scenes', '--output', {str(output)!r}, '--count', '2'])\n"
            "except SystemExit as exit:\n"
            "    assert 'tensorflow' not in sys.modules, 'tensorflow imported'\n"
            "    raise\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f"kerasvision: error: {output} already exists; refusing to overwrite it "
        "(choose a new --output)"]
    assert [p.name for p in output.iterdir()] == ["keep.txt"]


def test_writing_does_not_load_tensorflow(tmp_path):
    output = tmp_path / "fresh"
    code = ("import sys\n"
            "from kerasvision.cli.main import main\n"
            "try:\n"
            f"    main(['data', 'scenes', '--output', {str(output)!r}, '--count', '1', "
            "'--size', '32,32'])\n"
            "except SystemExit as exit:\n"
            "    assert exit.code == 0, exit.code\n"
            "assert 'tensorflow' not in sys.modules, 'tensorflow imported'\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert (output / "annotations.json").is_file()


def test_bad_size_is_a_usage_error(tmp_path):
    result = invoke("--output", str(tmp_path / "x"), "--count", "2", "--size", "64,a")
    assert result.exit_code == 2
    assert "expected HEIGHT,WIDTH" in result.output
    assert not (tmp_path / "x").exists()
