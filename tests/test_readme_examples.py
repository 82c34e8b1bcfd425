"""The README's Python examples run as written (issue 15 §3).

Every ```python block of README.md runs in a fresh interpreter, from a scratch folder that
holds the repository's `examples/` (the README's commands run from the repository's root), so
a file the example writes (`mine.keras`) lands in the scratch folder. A block preceded by
`<!-- readme-test: slow -->` builds large models or reads datasets: its test is marked slow.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SLOW_MARK = "<!-- readme-test: slow -->"
BLOCK = re.compile(r"(?P<before>[^\n]*)\n```python\n(?P<code>.*?)\n```", re.S)


def readme_blocks():
    text = (ROOT / "README.md").read_text()
    blocks = []
    for number, match in enumerate(BLOCK.finditer(text), start=1):
        slow = match.group("before").strip() == SLOW_MARK
        line = text[:match.start("code")].count("\n") + 1
        blocks.append(pytest.param(match.group("code"), id=f"block{number}-line{line}",
                                   marks=[pytest.mark.slow] if slow else []))
    return blocks


def test_the_readme_has_python_examples():
    assert len(readme_blocks()) >= 2
    assert "predict_files" in (ROOT / "README.md").read_text()


@pytest.mark.parametrize("code", readme_blocks())
def test_readme_block_runs(code, tmp_path):
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=600,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2",
                               "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    if "ImageClassifier.load()" in code and "predict_files" in code:
        # The example's answers are the shipped classifier's: the sneaker is a Sneaker and
        # the folder's files come in sorted order.
        assert "label='Sneaker'" in proc.stdout.splitlines()[0]
        paths = [line.split()[0] for line in proc.stdout.splitlines()[2:]]
        assert paths == sorted(paths) and len(paths) == 7
