"""Re-publish the shipped Fashion-MNIST classifier with its photo input path and an
in-distribution score, the network's weights unchanged (no retraining).

    python apps/fashion_mnist/photo_inputs_release.py \\
        --folder saved_models/fashion_mnist_classifier

- the preprocessor gains Fashion-MNIST's photo conversion (Xiao et al. 2017, §2;
  kerasvision/io/fashion_mnist_conversion.py);
- an in-distribution score: Mahalanobis distance on the penultimate features (Lee et al.
  NeurIPS 2018; kerasvision/tasks/in_distribution.py), its class Gaussians fitted to the
  first 55,000 training images' features and its threshold calibrated so that 95 % of the
  last 5,000 pass. The shipped network was trained on all 60,000 training images, so no
  training-split image is unseen by it; the calibration images are never test images, and the
  test split's flagged rate, measured by benchmarks/photo_inputs.py, shows how well the 95 %
  carries over to new images;
- `model.keras` is rewritten with the task metadata, and a NEW TF Serving version is exported
  beside the old ones, which stay loadable; `metrics.json` gains the calibration.
"""

import argparse
import json
from pathlib import Path

import numpy as np

CALIBRATION_IMAGES = 5000


def with_photo_inputs(classifier):
    """`classifier` (a Fashion-MNIST ImageClassifier) with the photo conversion in its
    preprocessor and a calibrated Mahalanobis in-distribution score (changed in place)."""
    from kerasvision.io.image_preprocessor import ImagePreprocessor

    old = classifier.preprocessor
    classifier.preprocessor = ImagePreprocessor(old.size, old.channels, old.resize,
                                                old.pad_value, photo_conversion="fashion_mnist")
    classifier.in_distribution = fitted_score(classifier.model)
    return with_single_view_score(classifier)


def with_single_view_score(classifier):
    """`classifier` with a Mahalanobis score fitted on ONE view's features when its model
    averages test-time views (changed in place): `classifier.single_view()`, which
    `kerasvision classify` runs without --tta, then flags images as the shipped graph does.
    The view-averaged features are closer to their class means than one view's, so the
    averaged calibration would flag too many single views."""
    from kerasvision.models.test_time_views import network_inside_views

    network = network_inside_views(classifier.model)
    if network is not None:
        classifier.single_view_in_distribution = fitted_score(network)
    return classifier


def fitted_score(model):
    """A Mahalanobis score for `model`'s penultimate features: class Gaussians from the
    first 55,000 training images, threshold passing 95 % of the last 5,000."""
    from kerasvision.data.fashion_mnist import load_fashion_mnist
    from kerasvision.tasks.in_distribution import fit_mahalanobis

    (x_train, y_train), _ = load_fashion_mnist()
    pixels = x_train[..., None].astype(np.float32)
    fitted = len(pixels) - CALIBRATION_IMAGES
    return fit_mahalanobis(
        model, pixels[:fitted], y_train[:fitted], pixels[fitted:], pass_rate=0.95,
        noun="garment",
        calibrated_on=(f"class Gaussians from the first {fitted:,} Fashion-MNIST training "
                       f"images, threshold from the last {CALIBRATION_IMAGES:,} (the network "
                       "trained on all 60,000; no unseen training image exists)"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", default="saved_models/fashion_mnist_classifier")
    parser.add_argument("--single-view-only", action="store_true",
                        help="only add the one-view score to model.keras (its weights, other "
                             "metadata and the exported versions unchanged)")
    args = parser.parse_args()

    from kerasvision.tasks.image_classifier import ImageClassifier
    from kerasvision.tasks.publishing import write_text_atomically

    folder = Path(args.folder)
    metrics_path = folder / "metrics.json"
    metrics = json.loads(metrics_path.read_text())
    if args.single_view_only:
        classifier = with_single_view_score(ImageClassifier.load(folder / "model.keras"))
        classifier.save(folder / "model.keras")
        metrics["single_view_in_distribution"] = classifier.single_view_in_distribution.summary()
        write_text_atomically(metrics_path, json.dumps(metrics, indent=2))
        print(json.dumps(metrics["single_view_in_distribution"], indent=2))
        return
    classifier = with_photo_inputs(ImageClassifier.load(folder / "model.keras"))
    classifier.save(folder / "model.keras")
    version = classifier.export(folder)
    summary = classifier.in_distribution.summary()
    metrics.update({"version_dir": version.name, "in_distribution": summary,
                    "photo_conversion": classifier.preprocessor.photo_conversion})
    if classifier.single_view_in_distribution is not None:
        metrics["single_view_in_distribution"] = classifier.single_view_in_distribution.summary()
    write_text_atomically(metrics_path, json.dumps(metrics, indent=2))
    print(json.dumps({"version": version.name, **summary}, indent=2))


if __name__ == "__main__":
    main()
