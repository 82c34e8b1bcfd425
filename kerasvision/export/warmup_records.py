"""`assets.extra/tf_serving_warmup_requests`: PredictionLog records TF Serving replays at load.

Serving runs these requests before it reports the model available, so the first real client
does not pay for graph initialisation. Needs the optional `tensorflow-serving-api` package
(`pip install kerasvision[serving]`).
"""

from pathlib import Path

WARMUP_FILE = "tf_serving_warmup_requests"


def serving_api_available():
    try:
        import tensorflow_serving.apis.prediction_log_pb2  # noqa: F401
    except ImportError:
        return False
    return True


def write_warmup_requests(version_dir, model_name, signature_name, inputs_list):
    """Write one PredictionLog per dict of `{input_name: numpy array}` in `inputs_list`."""
    import tensorflow as tf
    from tensorflow_serving.apis import (model_pb2, predict_pb2, prediction_log_pb2)

    folder = Path(version_dir) / "assets.extra"
    folder.mkdir(parents=True, exist_ok=True)
    with tf.io.TFRecordWriter(str(folder / WARMUP_FILE)) as writer:
        for inputs in inputs_list:
            request = predict_pb2.PredictRequest(
                model_spec=model_pb2.ModelSpec(name=model_name, signature_name=signature_name))
            for key, value in inputs.items():
                request.inputs[key].CopyFrom(tf.make_tensor_proto(value))
            log = prediction_log_pb2.PredictionLog(
                predict_log=prediction_log_pb2.PredictLog(request=request))
            writer.write(log.SerializeToString())
    return folder / WARMUP_FILE


def read_warmup_requests(version_dir):
    """The PredictRequests recorded in a version directory (for tests and for replay)."""
    import tensorflow as tf
    from tensorflow_serving.apis import prediction_log_pb2

    path = Path(version_dir) / "assets.extra" / WARMUP_FILE
    requests = []
    for record in tf.data.TFRecordDataset(str(path)).as_numpy_iterator():
        log = prediction_log_pb2.PredictionLog.FromString(record)
        requests.append(log.predict_log.request)
    return requests
