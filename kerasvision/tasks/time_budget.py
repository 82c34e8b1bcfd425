"""Training against a wall-clock budget rather than an epoch count.

A shipped model's recipe promises "at most N minutes of training on this machine"; these two
callbacks keep that promise whatever the machine's speed: the learning rate follows a cosine
over the budget's elapsed fraction (so a faster machine simply sees more steps), and training
stops at the end of the last epoch that fits. Minutes of earlier, killed runs count too
(`previous_minutes`, from the run's epoch_seconds.csv), so a resumed run keeps the budget.
"""

import math
import time

import keras


class TimeBudget(keras.callbacks.Callback):
    """Stop before an epoch that would end past `minutes`; cosine learning rate over the budget.

    Args:
        minutes: the training budget.
        learning_rate: the peak rate, reached after `warmup_fraction` of the budget.
        previous_minutes: minutes spent by earlier runs of the same training.
        final_fraction: the rate at the end, as a fraction of the peak.
    """

    def __init__(self, minutes, learning_rate, previous_minutes=0.0, warmup_fraction=0.03,
                 final_fraction=0.01):
        super().__init__()
        self.seconds = minutes * 60.0
        self.learning_rate = float(learning_rate)
        self.previous = previous_minutes * 60.0
        self.warmup_fraction = warmup_fraction
        self.final_fraction = final_fraction
        self.start = None
        self.epoch_start = None
        self.longest_epoch = 0.0

    def elapsed(self):
        return self.previous + (time.monotonic() - self.start)

    def rate_at(self, fraction):
        """The learning rate when `fraction` of the budget is spent."""
        fraction = min(max(fraction, 0.0), 1.0)
        if fraction < self.warmup_fraction:
            return self.learning_rate * max(fraction / self.warmup_fraction, 0.05)
        progress = (fraction - self.warmup_fraction) / (1.0 - self.warmup_fraction)
        low = self.learning_rate * self.final_fraction
        return low + (self.learning_rate - low) * 0.5 * (1.0 + math.cos(math.pi * progress))

    def on_train_begin(self, logs=None):
        self.start = time.monotonic()

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_start = time.monotonic()

    def on_train_batch_begin(self, batch, logs=None):
        if batch % 10 == 0:  # cheap enough, and smooth enough for a cosine
            self.model.optimizer.learning_rate.assign(self.rate_at(self.elapsed() / self.seconds))

    def on_epoch_end(self, epoch, logs=None):
        self.longest_epoch = max(self.longest_epoch, time.monotonic() - self.epoch_start)
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate.numpy())
        if self.elapsed() + self.longest_epoch > self.seconds:
            self.model.stop_training = True
