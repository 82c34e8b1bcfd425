"""`assets.extra/tf_serving_warmup_requests`: PredictionLog records TF Serving replays at load.

Serving runs these requests before it reports the model available, so the first real client
does not pay for graph initialisation. Every export writes them: the records are encoded here
in protobuf wire format (TensorFlow's own `TensorProto` for the tensors), so the optional
`tensorflow-serving-api` package is not needed to write them; with it installed,
`read_warmup_requests` parses them back with its classes (tests check the bytes that way).

The messages and field numbers are those of tensorflow_serving/apis/prediction_log.proto,
predict.proto and model.proto (TF Serving 2.21):

    PredictionLog { PredictLog predict_log = 6; }
    PredictLog    { PredictRequest request = 1; }
    PredictRequest{ ModelSpec model_spec = 1; map<string, TensorProto> inputs = 2; }
    ModelSpec     { string name = 1; string signature_name = 3; }
"""

from pathlib import Path

WARMUP_FILE = "tf_serving_warmup_requests"

# Field numbers (see the module docstring).
_PREDICTION_LOG_PREDICT_LOG = 6
_PREDICT_LOG_REQUEST = 1
_REQUEST_MODEL_SPEC, _REQUEST_INPUTS = 1, 2
_MODEL_SPEC_NAME, _MODEL_SPEC_SIGNATURE_NAME = 1, 3
_MAP_KEY, _MAP_VALUE = 1, 2
_LENGTH_DELIMITED = 2  # wire type of strings, bytes and embedded messages


def serving_api_available():
    try:
        import tensorflow_serving.apis.prediction_log_pb2  # noqa: F401
    except ImportError:
        return False
    return True


def _varint(value):
    out = bytearray()
    while True:
        bits, value = value & 0x7F, value >> 7
        out.append(bits | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _field(number, payload):
    """One length-delimited field (a string or an embedded message)."""
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    return _varint(number << 3 | _LENGTH_DELIMITED) + _varint(len(payload)) + payload


def prediction_log_bytes(model_name, signature_name, tensor_protos):
    """A serialized PredictionLog holding one PredictRequest.

    Args:
        tensor_protos: `{input_name: serialized TensorProto bytes}`.
    """
    spec = _field(_MODEL_SPEC_NAME, model_name) + _field(_MODEL_SPEC_SIGNATURE_NAME,
                                                          signature_name)
    request = _field(_REQUEST_MODEL_SPEC, spec)
    for key in sorted(tensor_protos):  # map entries: {key = 1, value = 2}
        entry = _field(_MAP_KEY, key) + _field(_MAP_VALUE, tensor_protos[key])
        request += _field(_REQUEST_INPUTS, entry)
    return _field(_PREDICTION_LOG_PREDICT_LOG, _field(_PREDICT_LOG_REQUEST, request))


def write_warmup_requests(version_dir, model_name, signature_name, inputs_list):
    """Write one PredictionLog per dict of `{input_name: numpy array}` in `inputs_list`."""
    import tensorflow as tf

    folder = Path(version_dir) / "assets.extra"
    folder.mkdir(parents=True, exist_ok=True)
    with tf.io.TFRecordWriter(str(folder / WARMUP_FILE)) as writer:
        for inputs in inputs_list:
            protos = {key: tf.make_tensor_proto(value).SerializeToString()
                      for key, value in inputs.items()}
            writer.write(prediction_log_bytes(model_name, signature_name, protos))
    return folder / WARMUP_FILE


def read_warmup_records(version_dir):
    """The raw records of a version directory's warmup file (serialized PredictionLogs)."""
    import tensorflow as tf

    path = Path(version_dir) / "assets.extra" / WARMUP_FILE
    return list(tf.data.TFRecordDataset(str(path)).as_numpy_iterator())


def read_warmup_requests(version_dir):
    """The PredictRequests recorded in a version directory (needs tensorflow-serving-api)."""
    from tensorflow_serving.apis import prediction_log_pb2

    return [prediction_log_pb2.PredictionLog.FromString(record).predict_log.request
            for record in read_warmup_records(version_dir)]
