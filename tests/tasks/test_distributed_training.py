"""Distributed training: `--strategy mirrored` on two logical CPU devices, and two real worker
processes on localhost under MultiWorkerMirroredStrategy."""

import json
import os
import socket
import subprocess
import sys
import textwrap

import numpy as np
from PIL import Image


def _dark_and_light_folder(data, per_class, seed):
    """Two class sub-folders of noisy 12×12 grey images, easy to tell apart."""
    rng = np.random.default_rng(seed)
    for label, base in (("dark", 40), ("light", 200)):
        (data / label).mkdir(parents=True)
        for i in range(per_class):
            pixels = np.clip(base + rng.normal(0, 20, (12, 12)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(data / label / f"{i}.png")
    return data


def test_mirrored_strategy_on_two_logical_cpus(tmp_path):
    data = _dark_and_light_folder(tmp_path / "data", per_class=10, seed=0)
    script = textwrap.dedent(f"""
        import json, tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        from kerasvision.tasks.classifier_training import TrainConfig, train_classifier
        from kerasvision.tasks.training_loop import distribution_strategy
        replicas = distribution_strategy("mirrored").num_replicas_in_sync
        config = TrainConfig(data={str(data)!r}, epochs=1, batch_size=4, strategy="mirrored",
                             workdir={str(tmp_path / 'run')!r})
        _, summary = train_classifier(config, progress=0)
        print(json.dumps({{"replicas": replicas, "loss": summary["test_loss"]}}))
    """)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["replicas"] == 2
    assert np.isfinite(result["loss"])
    assert (tmp_path / "run" / "final.keras").is_file()


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def test_two_worker_processes_end_with_identical_weights(tmp_path):
    data = _dark_and_light_folder(tmp_path / "data", per_class=8, seed=1)
    workers = [f"localhost:{port}" for port in _free_ports(2)]
    script = textwrap.dedent(f"""
        import json, os, sys
        import numpy as np
        from kerasvision.tasks.classifier_training import TrainConfig, train_classifier
        config = TrainConfig(data={str(data)!r}, epochs=1, batch_size=4, strategy="multiworker",
                             workdir={str(tmp_path / 'run')!r},
                             model_kwargs={{"width": 1, "depth": 10}})
        model, summary = train_classifier(config, progress=0)
        index = json.loads(os.environ["TF_CONFIG"])["task"]["index"]
        np.savez({str(tmp_path)!r} + f"/weights{{index}}.npz", *model.get_weights())
    """)
    procs = []
    for index in range(2):
        tf_config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "TF_CONFIG": json.dumps(tf_config)}
        procs.append(subprocess.Popen([sys.executable, "-c", script], env=env, text=True,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-2000:]
    first, second = (np.load(tmp_path / f"weights{i}.npz") for i in range(2))
    assert len(first.files) == len(second.files) > 0
    for key in first.files:
        np.testing.assert_array_equal(first[key], second[key])
    # Only the chief writes the run's files; the other worker keeps its own out of the way.
    assert (tmp_path / "run" / "final.keras").is_file()
    assert (tmp_path / "run" / "workers" / "1" / "history.csv").is_file()
