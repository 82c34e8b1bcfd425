"""Speed of the shipped classifier: CLI start-up, SavedModel and Keras throughput.

    python benchmarks/classifier_speed.py            # prints a Markdown table

Numbers go to benchmarks/RESULTS.md by hand, with the machine they came from.

Superseded by the side-by-side harness (`python -m benchmarks.run`): benchmarks/cli_speed.py
(cold starts, `classify` throughput, preprocessing) and benchmarks/serving_speed.py (the
SavedModel's signatures against the raw model and ONNX Runtime), which measure in
alternating rounds and report medians; this script stays for the figures RESULTS.md quotes
from before them.
"""

import os
import subprocess
import sys
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def wall(command, repeats=5):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return min(times)


def throughput(fn, batch, repeats=5):
    fn(batch)  # warm-up: tracing
    start = time.perf_counter()
    for _ in range(repeats):
        fn(batch)
    return repeats * len(batch) / (time.perf_counter() - start)


def main():
    import tensorflow as tf

    from kerasvision.tasks.image_classifier import ImageClassifier
    from kerasvision.tasks.saved_model_classifier import resolve_version_dir
    from kerasvision.tasks.shipped_models import DEFAULT_CLASSIFIER, shipped_model_dir

    kv = [sys.executable, "-m", "kerasvision.cli.main"]
    examples = os.path.join(os.path.dirname(__file__), "..", "examples")
    folder = shipped_model_dir(DEFAULT_CLASSIFIER)
    rows = [("`kerasvision --help`", f"{wall(kv + ['--help']) * 1000:.0f} ms"),
            ("`kerasvision classify examples/` (6 images, cold process)",
             f"{wall(kv + ['classify', examples], 3):.1f} s")]
    serving = tf.saved_model.load(str(resolve_version_dir(folder)))
    pixels = serving.signatures["serving_pixels"]
    clf = ImageClassifier.load(folder / "model.keras")
    rng = np.random.default_rng(0)
    for batch in (1, 256):
        x = tf.constant(rng.uniform(0, 255, (batch, 28, 28, 1)).astype(np.float32))
        rows.append((f"SavedModel `serving_pixels`, batch {batch}",
                     f"{throughput(lambda b: pixels(pixels=b), x):.0f} images/s"))
        rows.append((f"Keras model call, batch {batch}",
                     f"{throughput(lambda b: clf.model(b, training=False), x):.0f} images/s"))
    print("| measurement | value |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
