"""`--strategy mirrored` on two logical CPU devices trains with two replicas in sync."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
from PIL import Image


def test_mirrored_strategy_on_two_logical_cpus(tmp_path):
    data = tmp_path / "data"
    rng = np.random.default_rng(0)
    for label in ("dark", "light"):
        (data / label).mkdir(parents=True)
        for i in range(10):
            base = 40 if label == "dark" else 200
            pixels = np.clip(base + rng.normal(0, 20, (12, 12)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(data / label / f"{i}.png")
    script = textwrap.dedent(f"""
        import json, tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        from kerasvision.tasks.classifier_training import (TrainConfig, distribution_strategy,
                                                           train_classifier)
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
