"""The TF Serving export: signatures, labels, warmup, REST-shaped input, fresh-process load."""

import base64
import io
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from PIL import Image

from kerasvision.export.versioned_directory import existing_versions, next_version, write_version


def _png(array):
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def exported(tiny_classifier, tmp_path_factory):
    base = tmp_path_factory.mktemp("serving") / "fashion"
    return base, tiny_classifier.export(base)


def test_version_layout_and_labels(exported, tiny_classifier):
    base, version_dir = exported
    assert version_dir == base / "1"
    assert (version_dir / "saved_model.pb").is_file()
    labels = (version_dir / "assets" / "labels.txt").read_text().splitlines()
    assert labels == tiny_classifier.class_names
    assert [p.name for p in base.iterdir()] == ["1"]


def test_both_signatures_match_the_keras_model(exported, tiny_classifier, ramp_images):
    import tensorflow as tf

    loaded = tf.saved_model.load(str(exported[1]))
    want = tiny_classifier.scores(list(ramp_images))
    pixels = loaded.signatures["serving_pixels"](pixels=tf.constant(ramp_images, tf.float32))
    np.testing.assert_allclose(pixels["scores"].numpy(), want, atol=1e-5)
    images = tf.constant([_png(im[..., 0]) for im in ramp_images])
    out = loaded.signatures["serving_default"](image_bytes=images)
    np.testing.assert_allclose(out["scores"].numpy(), want, atol=1e-5)
    assert out["classes"].dtype == tf.int32 and out["classes"].shape == (6, 5)
    top = np.argsort(-want, axis=-1)[:, :5]
    np.testing.assert_array_equal(out["classes"].numpy(), top)
    names = np.array(tiny_classifier.class_names)
    np.testing.assert_array_equal(out["labels"].numpy().astype(str), names[top])


def test_rgb_jpeg_and_rgba_png_decode_like_the_file_reader(exported, tiny_classifier):
    import tensorflow as tf

    from kerasvision.io import read_image

    loaded = tf.saved_model.load(str(exported[1]))
    rng = np.random.default_rng(3)
    rgba = rng.integers(0, 256, (20, 36, 4), dtype=np.uint8)
    data = _png(rgba)
    want = tiny_classifier.scores([read_image(data, channels=1)])
    got = loaded.signatures["serving_default"](image_bytes=tf.constant([data]))["scores"]
    np.testing.assert_allclose(got.numpy(), want, atol=2e-3)


def test_rest_request_body_as_tf_serving_receives_it(exported, ramp_images):
    # TF Serving's REST API decodes {"b64": ...} into the string tensor before the signature.
    import tensorflow as tf

    body = json.dumps({"instances": [
        {"image_bytes": {"b64": base64.b64encode(_png(im[..., 0])).decode()}}
        for im in ramp_images[:2]]})
    instances = json.loads(body)["instances"]
    batch = tf.constant([base64.b64decode(i["image_bytes"]["b64"]) for i in instances])
    loaded = tf.saved_model.load(str(exported[1]))
    out = loaded.signatures["serving_default"](image_bytes=batch)
    assert out["scores"].shape == (2, 10)
    np.testing.assert_allclose(out["scores"].numpy().sum(-1), 1.0, atol=1e-5)


def test_malformed_element_is_invalid_argument(exported, ramp_images):
    import tensorflow as tf

    loaded = tf.saved_model.load(str(exported[1]))
    batch = tf.constant([_png(ramp_images[0][..., 0]), b"not an image"])
    with pytest.raises(tf.errors.InvalidArgumentError):
        loaded.signatures["serving_default"](image_bytes=batch)


def test_warmup_records_replay(exported):
    import tensorflow as tf

    from kerasvision.export.warmup_records import read_warmup_requests

    requests = read_warmup_requests(exported[1])
    assert [r.model_spec.signature_name for r in requests] == ["serving_default"] * 2
    loaded = tf.saved_model.load(str(exported[1]))
    for request, n in zip(requests, (1, 4)):
        images = tf.make_ndarray(request.inputs["image_bytes"])
        assert images.shape == (n,)
        out = loaded.signatures["serving_default"](image_bytes=tf.constant(images))
        assert out["scores"].shape == (n, 10)


def test_saved_model_cli_lists_the_signatures(exported):
    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    out = subprocess.run([cli, "show", "--dir", str(exported[1]), "--all"],
                         capture_output=True, text=True, check=True).stdout
    assert "signature_def['serving_default']" in out
    assert "signature_def['serving_pixels']" in out
    assert "image_bytes" in out and "labels" in out


def test_fresh_process_without_kerasvision_serves_it(exported, tiny_classifier, ramp_images,
                                                     tmp_path):
    np.save(tmp_path / "pixels.npy", ramp_images.astype(np.float32))
    script = textwrap.dedent(f"""
        import sys
        sys.modules["kerasvision"] = None  # the serving side has only TensorFlow
        try:
            import kerasvision
        except ImportError:
            pass
        else:
            raise SystemExit("kerasvision was importable")
        import numpy as np, tensorflow as tf
        m = tf.saved_model.load({str(exported[1])!r})
        x = np.load({str(tmp_path / 'pixels.npy')!r})
        a = m.signatures["serving_pixels"](pixels=tf.constant(x))["scores"].numpy()
        png = open({str(tmp_path / 'one.png')!r}, "rb").read()
        b = m.signatures["serving_default"](image_bytes=tf.constant([png]))["scores"].numpy()
        np.save({str(tmp_path / 'a.npy')!r}, a); np.save({str(tmp_path / 'b.npy')!r}, b)
    """)
    (tmp_path / "one.png").write_bytes(_png(ramp_images[0][..., 0]))
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    subprocess.run([sys.executable, "-c", script], check=True, env=env, cwd=tmp_path)
    want = tiny_classifier.scores(list(ramp_images))
    np.testing.assert_allclose(np.load(tmp_path / "a.npy"), want, atol=1e-5)
    np.testing.assert_allclose(np.load(tmp_path / "b.npy"), want[:1], atol=1e-5)


def test_versions_are_never_overwritten(tmp_path):
    def write(folder):
        (folder / "saved_model.pb").write_text("x")

    assert write_version(tmp_path, write).name == "1"
    assert write_version(tmp_path, write).name == "2"
    with pytest.raises(FileExistsError, match="never overwritten"):
        write_version(tmp_path, write, version=1)
    assert existing_versions(tmp_path) == [1, 2] and next_version(tmp_path) == 3


def test_failed_validation_leaves_no_version(tmp_path):
    def write(folder):
        (folder / "saved_model.pb").write_text("x")

    def validate(folder):
        raise RuntimeError("bad export")

    with pytest.raises(RuntimeError):
        write_version(tmp_path, write, validate)
    assert list(tmp_path.iterdir()) == []


def test_unwritable_target_is_a_clear_error(tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(OSError, match="cannot create the export directory"):
        write_version(target / "sub", lambda f: None)


def test_killed_export_leaves_no_numeric_version(tmp_path):
    # SIGKILL in the middle of writing: only the temporary, non-numeric folder can remain.
    script = textwrap.dedent(f"""
        import os, signal, time
        from kerasvision.export.versioned_directory import write_version
        def write(folder):
            (folder / "saved_model.pb").write_bytes(b"x" * 1000)
            os.kill(os.getpid(), signal.SIGKILL)
        write_version({str(tmp_path)!r}, write)
    """)
    proc = subprocess.run([sys.executable, "-c", script])
    assert proc.returncode == -9
    assert existing_versions(tmp_path) == []
    assert [".1.partial-" in p.name for p in tmp_path.iterdir()] == [True]
