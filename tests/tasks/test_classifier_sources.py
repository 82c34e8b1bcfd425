"""Where classifiers come from, and the trust rule for legacy HDF5 model files."""

import numpy as np
import pytest

from kerasvision.tasks.classifier_sources import load_classifier
from kerasvision.tasks.saved_model_classifier import SavedModelClassifier


def test_legacy_h5_model_needs_trust(tiny_classifier, tmp_path):
    path = tmp_path / "legacy.h5"
    tiny_classifier.model.save(path)
    with pytest.raises(PermissionError, match="legacy.h5: legacy HDF5 model refused"):
        load_classifier(str(path))
    trusted = load_classifier(str(path), trust_model=True)
    x = np.full((1, 28, 28, 1), 90, np.uint8)
    np.testing.assert_allclose(trusted.scores(list(x)), tiny_classifier.scores(list(x)),
                               atol=1e-5)


def test_keras_file_and_saved_model_directory(tiny_classifier, tmp_path):
    tiny_classifier.save(tmp_path / "m.keras")
    assert load_classifier(str(tmp_path / "m.keras")).class_names == tiny_classifier.class_names
    tiny_classifier.export(tmp_path / "serving", warmup=False)
    served = load_classifier(str(tmp_path / "serving"))
    assert isinstance(served, SavedModelClassifier) and served.path.name == "1"
    x = list(np.full((2, 28, 28, 1), 30, np.uint8))
    np.testing.assert_allclose(served.scores(x), tiny_classifier.scores(x), atol=1e-5)
