"""The input preprocessing keras.applications' ImageNet weights were trained with, as a layer."""

import keras
from keras import ops

# keras.applications.imagenet_utils: caffe means (BGR), torch mean/std (RGB).
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
TORCH_MEAN = (0.485, 0.456, 0.406)
TORCH_STD = (0.229, 0.224, 0.225)


@keras.saving.register_keras_serializable(package="kerasvision")
class ImageNetPreprocessing(keras.layers.Layer):
    """RGB pixels in 0–255 -> the network's expected input.

    Modes (keras.applications.imagenet_utils.preprocess_input):
      caffe: RGB -> BGR, minus the ImageNet channel means;
      torch: x/255, minus mean, over std per channel;
      tf:    x/127.5 − 1.
    """

    def __init__(self, mode="caffe", **kwargs):
        super().__init__(**kwargs)
        if mode not in ("caffe", "torch", "tf"):
            raise ValueError(f"mode must be caffe, torch or tf, got {mode!r}")
        self.mode = mode

    def call(self, x):
        if self.mode == "tf":
            return x / 127.5 - 1.0
        if self.mode == "torch":
            return (x / 255.0 - ops.convert_to_tensor(TORCH_MEAN)) / ops.convert_to_tensor(TORCH_STD)
        bgr = ops.flip(x, axis=-1)
        return bgr - ops.convert_to_tensor(CAFFE_MEAN_BGR)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}
