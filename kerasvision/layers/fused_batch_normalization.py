"""BatchNormalization through TensorFlow's fused kernel: the same layer, fewer passes.

Keras 3's BatchNormalization computes the batch moments (`tf.nn.moments`: a mean, then a mean
of squared differences) and normalises with `tf.nn.batch_normalization` (a multiply and an
add), each a separate pass over the activations, forward and backward, in float32 even under a
bfloat16 policy (it casts up first). `FusedBatchNormalization` keeps every Keras semantic —
weights, config, momentum and epsilon, the biased batch variance in the moving average — and
on the TensorFlow backend runs a 4-D channels-last input *in training* through
`FusedBatchNormV3` (one kernel for moments and normalisation, one for the gradient; bfloat16
activations with float32 statistics). Inference, and anything else (another backend or rank,
`axis` not last, masks, renorm, synchronised statistics), is Keras's own `call`, so an
inference graph is exactly keras.applications' (fusing inference too measured 4–8 % slower
than Keras's graph for ResNet-50 and DenseNet-121, on a shared machine). So is a training step
that XLA compiles (`jit_compile=True`): XLA fuses Keras's separate ops itself and expands the
fused kernel less well (ResNet-50 trained at 0.86–0.90× keras.applications under XLA with the
fused kernel). Issue 14's measurements are in benchmarks/RESULTS.md.
"""

import keras


def in_xla_compilation():
    """True while TensorFlow traces a function that XLA will compile.

    `tf.function(jit_compile=True)` (what Keras's `compile(jit_compile=True)` builds) traces
    inside an XLA control-flow context; TensorFlow has no public query for it, so this asks
    its internal `control_flow_util`, and answers False (fuse) if that ever moves."""
    try:
        import tensorflow as tf
        from tensorflow.python.ops import control_flow_util
    except ImportError:
        return False
    return bool(control_flow_util.GraphOrParentsInXlaContext(tf.compat.v1.get_default_graph()))


@keras.saving.register_keras_serializable(package="kerasvision")
class FusedBatchNormalization(keras.layers.BatchNormalization):
    def _fusable(self, inputs, mask):
        return (keras.backend.backend() == "tensorflow" and len(inputs.shape) == 4
                and self.axis in (-1, 3) and mask is None and not self.renorm
                and not self.synchronized and inputs.shape[-1] is not None
                and not in_xla_compilation())

    def call(self, inputs, training=None, mask=None):
        # Inference is Keras's own graph (a multiply and an add with the moving statistics,
        # which TensorFlow's grappler folds as it folds keras.applications'); training, where
        # the separate passes cost, is fused, unless XLA compiles the step.
        if not (training and self.trainable) or not self._fusable(inputs, mask):
            return super().call(inputs, training=training, mask=mask)
        import tensorflow as tf

        x = inputs if inputs.dtype in (tf.float32, tf.bfloat16, tf.float16) else \
            tf.cast(inputs, tf.float32)
        channels = x.shape[-1]
        gamma = (tf.cast(self.gamma, tf.float32) if self.scale
                 else tf.ones((channels,), tf.float32))
        beta = (tf.cast(self.beta, tf.float32) if self.center
                else tf.zeros((channels,), tf.float32))
        outputs, mean, variance, _, _, _ = tf.raw_ops.FusedBatchNormV3(
            x=x, scale=gamma, offset=beta, mean=tf.zeros((0,), tf.float32),
            variance=tf.zeros((0,), tf.float32), epsilon=self.epsilon,
            data_format="NHWC", is_training=True)
        # The kernel returns the Bessel-corrected variance; Keras averages the biased one.
        count = tf.cast(tf.size(x) // channels, tf.float32)
        variance = variance * tf.maximum(count - 1.0, 0.0) / tf.maximum(count, 1.0)
        momentum = self.momentum
        self.moving_mean.assign(tf.cast(self.moving_mean, tf.float32) * momentum
                                + mean * (1.0 - momentum))
        self.moving_variance.assign(tf.cast(self.moving_variance, tf.float32) * momentum
                                    + variance * (1.0 - momentum))
        return tf.cast(outputs, self.compute_dtype)
