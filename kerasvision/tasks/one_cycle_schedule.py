"""One-cycle (triangular) learning-rate schedule for short training runs.

The rate rises linearly from a tenth of its peak to the peak over the first `rise` fraction
of the steps, then falls linearly to 0 at the last step: the schedule of Smith & Topin
("Super-Convergence", 2019) in the piecewise-linear form Page's "How to train your ResNet"
(2018) and Jordan's airbench (2024) use for their fastest CIFAR-10 runs.
"""

import keras


@keras.saving.register_keras_serializable(package="kerasvision")
class OneCycle(keras.optimizers.schedules.LearningRateSchedule):
    def __init__(self, peak, total_steps, rise=0.25, start_fraction=0.1):
        if total_steps < 1:
            raise ValueError(f"total_steps must be at least 1, got {total_steps}")
        self.peak = float(peak)
        self.total_steps = int(total_steps)
        self.rise = float(rise)
        self.start_fraction = float(start_fraction)

    def __call__(self, step):
        step = keras.ops.cast(step, "float32")
        top = max(1.0, self.rise * self.total_steps)
        start = self.peak * self.start_fraction
        rising = start + (self.peak - start) * step / top
        falling = self.peak * (self.total_steps - step) / max(1.0, self.total_steps - top)
        return keras.ops.maximum(0.0, keras.ops.where(step < top, rising, falling))

    def get_config(self):
        return {"peak": self.peak, "total_steps": self.total_steps, "rise": self.rise,
                "start_fraction": self.start_fraction}
