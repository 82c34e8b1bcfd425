"""Training against a time budget rather than an epoch count.

A shipped model's recipe promises "at most N minutes of training on this machine"; this
callback keeps that promise whatever the machine's speed: the learning rate follows a cosine
over the budget's spent fraction (so a faster machine simply sees more steps), and training
stops at the end of the last epoch that fits.

The clock is the process's CPU time divided by the machine's cores — the minutes the run
would take alone on the machine — rather than the wall clock, so that other work sharing the
cores (a test run, another training) neither shortens the training nor makes two runs with
the same budget incomparable. `clock="wall"` uses the wall clock instead. The time spent is
kept in `state_path` at every epoch's end, so a resumed run continues the same budget.
"""

import json
import math
import os
import time
from pathlib import Path

import keras


def machine_minutes():
    """The process's CPU time so far, in minutes of the whole machine (CPU time / cores)."""
    return time.process_time() / 60.0 / (os.cpu_count() or 1)


class TimeBudget(keras.callbacks.Callback):
    """Stop before an epoch that would end past `minutes`; cosine learning rate over the budget.

    Args:
        minutes: the training budget (machine minutes, see the module doc).
        learning_rate: the peak rate, reached after `warmup_fraction` of the budget.
        state_path: a JSON file keeping the minutes spent, for resumed runs (optional).
        clock: "cpu" (machine minutes from process CPU time) or "wall".
        final_fraction: the rate at the end, as a fraction of the peak.
    """

    def __init__(self, minutes, learning_rate, state_path=None, clock="cpu",
                 warmup_fraction=0.03, final_fraction=0.01):
        super().__init__()
        if clock not in ("cpu", "wall"):
            raise ValueError(f"clock must be 'cpu' or 'wall', got {clock!r}")
        self.minutes = float(minutes)
        self.learning_rate = float(learning_rate)
        self.state_path = Path(state_path) if state_path else None
        self.clock = clock
        self.warmup_fraction = warmup_fraction
        self.final_fraction = final_fraction
        self.previous = self._read_state()
        self.start = None
        self.epoch_start = None
        self.longest_epoch = 0.0

    def _now(self):
        return machine_minutes() if self.clock == "cpu" else time.monotonic() / 60.0

    def _read_state(self):
        if self.state_path and self.state_path.is_file():
            return float(json.loads(self.state_path.read_text())["minutes_spent"])
        return 0.0

    def spent(self):
        """Minutes of the budget spent so far, earlier runs included."""
        return self.previous + (self._now() - self.start)

    def rate_at(self, fraction):
        """The learning rate when `fraction` of the budget is spent."""
        fraction = min(max(fraction, 0.0), 1.0)
        if fraction < self.warmup_fraction:
            return self.learning_rate * max(fraction / self.warmup_fraction, 0.05)
        progress = (fraction - self.warmup_fraction) / (1.0 - self.warmup_fraction)
        low = self.learning_rate * self.final_fraction
        return low + (self.learning_rate - low) * 0.5 * (1.0 + math.cos(math.pi * progress))

    def on_train_begin(self, logs=None):
        self.start = self._now()

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_start = self._now()

    def on_train_batch_begin(self, batch, logs=None):
        if batch % 10 == 0:  # cheap enough, and smooth enough for a cosine
            self.model.optimizer.learning_rate.assign(self.rate_at(self.spent() / self.minutes))

    def on_epoch_end(self, epoch, logs=None):
        self.longest_epoch = max(self.longest_epoch, self._now() - self.epoch_start)
        spent = self.spent()
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate.numpy())
            logs["budget_minutes_spent"] = spent
        if self.state_path:
            from kerasvision.io.atomic_files import atomic_path

            with atomic_path(self.state_path, replace=True) as partial:
                Path(partial).write_text(json.dumps({"minutes_spent": spent,
                                                     "clock": self.clock}))
        if spent + self.longest_epoch > self.minutes:
            self.model.stop_training = True
