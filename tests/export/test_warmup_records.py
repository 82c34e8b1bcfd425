"""Warmup records are part of every export, written without tensorflow-serving-api (issue 15)."""

import sys

import numpy as np
import pytest

from kerasvision.export.warmup_records import (WARMUP_FILE, prediction_log_bytes,
                                               read_warmup_records)


def _api_log(model_name, signature_name, inputs):
    import tensorflow as tf
    from tensorflow_serving.apis import model_pb2, predict_pb2, prediction_log_pb2

    request = predict_pb2.PredictRequest(
        model_spec=model_pb2.ModelSpec(name=model_name, signature_name=signature_name))
    for key, value in inputs.items():
        request.inputs[key].CopyFrom(tf.make_tensor_proto(value))
    return prediction_log_pb2.PredictionLog(
        predict_log=prediction_log_pb2.PredictLog(request=request))


def test_hand_encoded_log_parses_with_the_serving_api_and_equals_its_own():
    pytest.importorskip("tensorflow_serving.apis.prediction_log_pb2")
    import tensorflow as tf
    from tensorflow_serving.apis import prediction_log_pb2

    images = np.array([b"\x89PNG fake", b"second image" * 40])  # > 127 bytes: 2-byte lengths
    ours = prediction_log_bytes("fashion", "serving_default",
                                {"image_bytes": tf.make_tensor_proto(images).SerializeToString()})
    parsed = prediction_log_pb2.PredictionLog.FromString(ours)
    request = parsed.predict_log.request
    assert request.model_spec.name == "fashion"
    assert request.model_spec.signature_name == "serving_default"
    np.testing.assert_array_equal(tf.make_ndarray(request.inputs["image_bytes"]), images)
    assert parsed == _api_log("fashion", "serving_default", {"image_bytes": images})


def test_export_writes_warmup_without_the_serving_api(tiny_classifier, tmp_path, monkeypatch):
    # Before: the export skipped the file unless tensorflow-serving-api was importable.
    for name in [m for m in sys.modules if m.startswith("tensorflow_serving")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "tensorflow_serving", None)  # import now fails
    version = tiny_classifier.export(tmp_path / "fashion")
    assert (version / "assets.extra" / WARMUP_FILE).is_file()
    records = read_warmup_records(version)
    assert len(records) == 2
    monkeypatch.undo()
    pytest.importorskip("tensorflow_serving.apis.prediction_log_pb2")
    from kerasvision.export.warmup_records import read_warmup_requests

    requests = read_warmup_requests(version)
    assert [r.model_spec.name for r in requests] == ["fashion"] * 2
    assert [r.inputs["image_bytes"].tensor_shape.dim[0].size for r in requests] == [1, 4]
