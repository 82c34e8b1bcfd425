"""Re-publish the shipped Fashion-MNIST classifier with its photo input path and an
in-distribution score, the network's weights unchanged (no retraining).

    python apps/fashion_mnist/photo_inputs_release.py \\
        --folder saved_models/fashion_mnist_classifier

- the preprocessor gains Fashion-MNIST's photo conversion (Xiao et al. 2017, §2;
  kerasvision/io/fashion_mnist_conversion.py);
- the energy score (Liu et al. NeurIPS 2020; kerasvision/tasks/in_distribution.py) is
  calibrated so that 95 % of the calibration images pass. The shipped network was trained on
  all 60,000 training images, so no training-split image is unseen by it: the calibration uses
  the last 5,000 of them (never test images), and the test split's flagged rate, measured by
  benchmarks/photo_inputs.py, shows what that costs (more than 5 % of new images flagged);
- `model.keras` is rewritten with the task metadata, and a NEW TF Serving version is exported
  beside the old ones, which stay loadable; `metrics.json` gains the calibration.
"""

import argparse
import json
from pathlib import Path

import numpy as np

CALIBRATION_IMAGES = 5000


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", default="saved_models/fashion_mnist_classifier")
    args = parser.parse_args()

    from kerasvision.data.fashion_mnist import load_fashion_mnist
    from kerasvision.io.image_preprocessor import ImagePreprocessor
    from kerasvision.tasks.image_classifier import ImageClassifier
    from kerasvision.tasks.in_distribution import calibrate_energy
    from kerasvision.tasks.publishing import write_text_atomically

    folder = Path(args.folder)
    classifier = ImageClassifier.load(folder / "model.keras")
    old = classifier.preprocessor
    classifier.preprocessor = ImagePreprocessor(old.size, old.channels, old.resize,
                                                old.pad_value, photo_conversion="fashion_mnist")
    (x_train, _), _ = load_fashion_mnist()
    calibration = x_train[-CALIBRATION_IMAGES:, ..., None].astype(np.float32)
    classifier.in_distribution = calibrate_energy(
        classifier.model, calibration, pass_rate=0.95, noun="garment",
        calibrated_on=(f"the last {CALIBRATION_IMAGES:,} Fashion-MNIST training images (the "
                       "network trained on all 60,000; no unseen training image exists)"))
    classifier.save(folder / "model.keras")
    version = classifier.export(folder)
    metrics_path = folder / "metrics.json"
    metrics = json.loads(metrics_path.read_text())
    metrics.update({"version_dir": version.name,
                    "in_distribution": classifier.in_distribution.get_config(),
                    "photo_conversion": classifier.preprocessor.photo_conversion})
    write_text_atomically(metrics_path, json.dumps(metrics, indent=2))
    print(json.dumps({"version": version.name, **metrics["in_distribution"]}, indent=2))


if __name__ == "__main__":
    main()
