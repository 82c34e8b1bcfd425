"""LeNet-5's squashing function (LeCun, Bottou, Bengio & Haffner, Gradient-Based Learning Applied
to Document Recognition, Proc. IEEE 1998, §II.B and Appendix A)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kerasvision")
class ScaledTanh(keras.layers.Layer):
    """The scaled hyperbolic tangent f(a) = A · tanh(S · a).

    LeCun et al. choose A = 1.7159 and S = 2/3 (Appendix A) so that f(±1) = ±1, the gain is close
    to one around the operating range, and the second derivative peaks at ±1.

    Args:
        amplitude: A.
        slope: S.
    """

    def __init__(self, amplitude=1.7159, slope=2.0 / 3.0, **kwargs):
        super().__init__(**kwargs)
        self.amplitude = float(amplitude)
        self.slope = float(slope)

    def call(self, x):
        return self.amplitude * ops.tanh(self.slope * x)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "amplitude": self.amplitude, "slope": self.slope}
