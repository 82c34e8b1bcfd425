"""The base of the detectors that own a feature-extractor sub-model (SSD, DSSD, Fast and Faster
R-CNN): their config carries the extractor serialized, and `from_config` rebuilds it before
the detector, so a `.keras` file loads in safe mode without custom code."""

import keras


class FeatureExtractorModel(keras.Model):
    """A keras.Model whose config's "feature_extractor" is a serialized Keras model."""

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["feature_extractor"] = keras.saving.deserialize_keras_object(
            config["feature_extractor"])
        return cls(**config)
