import os

# Quiet TensorFlow's C++ start-up lines in test logs; keep oneDNN on (it is what users run).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _share_cores_between_workers():
    """Under pytest-xdist, give each worker its share of the cores (TensorFlow reads these
    variables when it starts, here and in the CLI subprocesses the tests spawn): without it
    every worker's thread pools span all cores and the workers spin against each other."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0"))
    if workers > 1:
        threads = str(max(1, (os.cpu_count() or 1) // workers))
        os.environ.setdefault("TF_NUM_INTRAOP_THREADS", threads)
        os.environ.setdefault("TF_NUM_INTEROP_THREADS", threads)
        os.environ.setdefault("OMP_NUM_THREADS", threads)


_share_cores_between_workers()

import numpy as np
import pytest


@pytest.fixture(scope="session")
def tiny_classifier():
    """An untrained narrow WRN on 28×28 grey pixels with Fashion-MNIST's class names."""
    import keras

    from kerasvision.data.fashion_mnist import CLASS_NAMES
    from kerasvision.tasks.image_classifier import ImageClassifier

    keras.utils.set_random_seed(0)
    return ImageClassifier.from_architecture("wrn_16_2", (28, 28, 1), list(CLASS_NAMES),
                                             mean=0.286, std=0.353, width=1, depth=10)


@pytest.fixture(scope="session")
def ramp_images():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, size=(6, 28, 28, 1), dtype=np.uint8)

from hypothesis import settings

# Property tests draw the same examples on every run (CI must not be a lottery); explore new
# ones locally with `pytest --hypothesis-profile=explore`.
settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("KERASVISION_HYPOTHESIS_PROFILE", "repeatable"))
