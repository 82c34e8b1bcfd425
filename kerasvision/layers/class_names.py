"""Class names carried inside a model file, so a `.keras` classifier knows its labels."""

import keras


@keras.saving.register_keras_serializable(package="kerasvision")
class ClassNames(keras.layers.Layer):
    """Identity on class scores whose config holds the name of each class, in index order.

    A `.keras` file stores layer configs but no free-form metadata; keeping the labels here
    means a saved classifier cannot be separated from them, and safe-mode loading still works
    (there is no code in it, only a list of strings).
    """

    def __init__(self, names, **kwargs):
        super().__init__(**kwargs)
        self.names = [str(n) for n in names]

    def call(self, scores):
        return scores

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "names": list(self.names)}
