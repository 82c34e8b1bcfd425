"""The task base: metadata in the .keras file, safe loading, compile defaults, the predictor."""

import zipfile

import numpy as np
import pytest

from kerasvision.tasks.image_classifier import ImageClassifier
from kerasvision.tasks.saved_model_classifier import SavedModelClassifier
from kerasvision.tasks.task import METADATA_ENTRY, Task, read_task_metadata


def test_metadata_rides_in_the_keras_file_not_in_the_outputs(tiny_classifier, tmp_path):
    path = tmp_path / "m.keras"
    tiny_classifier.save(path)
    metadata = read_task_metadata(path)
    assert metadata["task"] == "classification"
    assert metadata["class_names"] == tiny_classifier.class_names
    assert metadata["preprocessor"] == tiny_classifier.preprocessor.get_config()
    assert METADATA_ENTRY in zipfile.ZipFile(path).namelist()
    # No identity layer carries the names any more: the outputs are the architecture's own.
    assert [l.__class__.__name__ for l in tiny_classifier.model.layers].count("ClassNames") == 0
    loaded = Task.load(path)  # the base picks the subclass from the metadata
    assert isinstance(loaded, ImageClassifier)
    assert loaded.class_names == tiny_classifier.class_names


def test_files_from_before_the_metadata_still_load_with_their_names(tiny_classifier, tmp_path):
    import keras

    from kerasvision.layers.class_names import ClassNames

    model = tiny_classifier.model
    old = keras.Model(model.inputs, ClassNames(list("abcdefghij"), name="class_names")(
        model.outputs[0]))
    old.save(tmp_path / "old.keras")  # a plain Keras file, no kerasvision.json
    assert read_task_metadata(tmp_path / "old.keras") is None
    assert ImageClassifier.load(tmp_path / "old.keras").class_names == list("abcdefghij")


def test_save_is_atomic_and_replaces(tiny_classifier, tmp_path, monkeypatch):
    path = tmp_path / "m.keras"
    tiny_classifier.save(path)
    before = path.read_bytes()

    def broken_save(self, target, *args, **kwargs):
        open(target, "wb").write(b"half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(type(tiny_classifier.model), "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        tiny_classifier.save(path)
    assert path.read_bytes() == before  # the old file is intact ...
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"]  # ... and nothing is left over


def test_compile_defaults_and_overrides(tiny_classifier):
    import keras

    clf = ImageClassifier(keras.models.clone_model(tiny_classifier.model),
                          tiny_classifier.class_names)
    clf.compile()
    assert clf.model.loss == "sparse_categorical_crossentropy"
    clf.compile(loss="categorical_crossentropy")
    assert clf.model.loss == "categorical_crossentropy"


def test_a_task_of_another_kind_is_refused(tiny_classifier, tmp_path):
    import json

    path = tmp_path / "m.keras"
    tiny_classifier.save(path)
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    metadata = json.loads(entries[METADATA_ENTRY])
    entries[METADATA_ENTRY] = json.dumps({**metadata, "task": "segmentation"})
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    with pytest.raises(ValueError, match="a segmentation model, not a classification model"):
        ImageClassifier.load(path)


def test_saved_model_predictor_is_its_own_small_class(tiny_classifier, tmp_path):
    tiny_classifier.export(tmp_path / "serving", warmup=False)
    served = SavedModelClassifier(tmp_path / "serving")
    assert not hasattr(served, "fit") and not hasattr(served, "save")
    assert served.preprocessor.get_config() == tiny_classifier.preprocessor.get_config()
    x = [np.full((40, 30, 1), 77, np.uint8)]
    assert served.predict(x, top_k=3)[0][0].label == tiny_classifier.predict(x, top_k=3)[0][0].label
