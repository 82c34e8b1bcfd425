"""Precise BatchNorm statistics at the end of every epoch.

Keras's BatchNormalization keeps moving averages with momentum 0.99: after a few dozen steps
(a short run, or a small folder of images) they still hold mostly their initial values, and
the model evaluated with them is far off the model that trains: a CIFAR ResNet-20 on a
1,500-image folder reached 57 % training accuracy in 27 steps but a validation loss of 18
(issue 15 saw 16,549). Re-estimating the statistics on a sample of training images, as
Wu & Johnson do ("Rethinking 'Batch' in BatchNorm", arXiv 2021, §3, "precise BN"), gives the
evaluated model the statistics of the trained one, whatever the number of steps.

The estimate is the exact average over the sample's batches (the k-th batch is weighted
1/k), taken after the last training step of each epoch, so that the epoch's validation,
its checkpoint and its backup all use it. It is taken only while the moving averages still
remember their start (momentum^steps above 1 %: the first 458 steps at 0.99): after that they
are estimates of their own, and a long run (the shipped classifier's 468 steps an epoch) is
left exactly as Keras trains it.
"""

import numpy as np

import keras

# The weight of the initial value left in a moving average, above which it is re-estimated.
REMEMBERED = 0.01


def batch_norm_layers(model):
    """Every BatchNormalization layer of `model`, nested ones included."""
    # Keras 3's `_flatten_layers` also walks layers held inside custom layers (residual units
    # that own their BN), which the public `.layers` does not list.
    return [layer for layer in model._flatten_layers(include_self=False, recursive=True)
            if isinstance(layer, keras.layers.BatchNormalization)]


def recalibrate_batch_norm(model, images, batch_size=128):
    """Set the model's BN moving statistics to their average over `images` (N, H, W, C)."""
    layers = batch_norm_layers(model)
    if not layers or len(images) == 0:
        return
    momenta = [layer.momentum for layer in layers]
    try:
        for k, start in enumerate(range(0, len(images), batch_size), start=1):
            for layer in layers:
                layer.momentum = (k - 1) / k  # moving = running mean of the batches' statistics
            batch = np.asarray(images[start:start + batch_size], "float32")
            # In the structure the model was built with (a one-item list for pixel models).
            model([batch] if isinstance(model.input, (list, tuple)) else batch, training=True)
    finally:
        for layer, momentum in zip(layers, momenta):
            layer.momentum = momentum


class PreciseBatchNorm(keras.callbacks.Callback):
    """After each epoch's last training step, re-estimate BN statistics on `images`.

    Under a multi-replica strategy the replicas' statistics are averaged instead
    (training_loop.AverageStatisticsAcrossReplicas); this callback then does nothing.
    """

    def __init__(self, images, batch_size=128):
        super().__init__()
        self.images = images
        self.batch_size = batch_size

    def on_train_batch_end(self, batch, logs=None):
        steps = self.params.get("steps")
        if steps is None or batch + 1 != steps:
            return
        if self.model.distribute_strategy.num_replicas_in_sync > 1:
            return
        layers = batch_norm_layers(self.model)
        if not layers:
            return
        trained = int(self.model.optimizer.iterations.numpy())
        if max(layer.momentum for layer in layers) ** trained > REMEMBERED:
            recalibrate_batch_norm(self.model, self.images, self.batch_size)
