"""Training progress on stderr: a bar that moves within each epoch, and one line per epoch.

Keras's own progress bar writes to stdout, where the `train` commands print their JSON summary,
and only moves in place on a terminal. This callback writes to stderr instead: on a terminal
the bar is redrawn in place (at most ten times a second); in a log file (stderr not a
terminal) it writes a line at every tenth of the epoch, so the log still shows the epoch
moving. Each epoch ends with one line of its metrics.
"""

import sys
import time

import keras

BAR_WIDTH = 24


def format_duration(seconds):
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def format_logs(logs):
    return "  ".join(f"{name} {value:.4f}" for name, value in logs.items()
                     if isinstance(value, (int, float)) or hasattr(value, "__float__"))


class TrainingProgress(keras.callbacks.Callback):
    """Progress of `fit` on `stream` (stderr): steps, loss and time left within each epoch.

    Args:
        epochs: the run's epoch count, shown as "epoch 3/30" (None: `fit`'s own).
        per_step: draw the moving bar; False writes only the end-of-epoch lines.
        stream: where to write (default: sys.stderr at the time of writing).
    """

    def __init__(self, epochs=None, per_step=True, stream=None):
        super().__init__()
        self.epochs = epochs
        self.per_step = per_step
        self._stream = stream
        self.epoch = 0
        self.epoch_start = 0.0
        self.last_draw = 0.0
        self.next_line_fraction = 0.1
        self.drawn_in_place = False

    @property
    def stream(self):
        return self._stream or sys.stderr

    def _total_epochs(self):
        return self.epochs or self.params.get("epochs")

    def _steps(self):
        return self.params.get("steps")

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        self.epoch_start = time.monotonic()
        self.last_draw = 0.0
        self.next_line_fraction = 0.1

    def on_train_batch_end(self, batch, logs=None):
        if not self.per_step:
            return
        done, steps = batch + 1, self._steps()
        now = time.monotonic()
        if self.stream.isatty():
            if now - self.last_draw < 0.1 and done != steps:
                return
            self.last_draw = now
            self.stream.write("\r" + self.bar_line(done, steps, logs or {}, now) + "\033[K")
            self.drawn_in_place = True
            self.stream.flush()
        elif steps and done / steps >= self.next_line_fraction and done != steps:
            while self.next_line_fraction <= done / steps:
                self.next_line_fraction += 0.1
            self.stream.write(self.bar_line(done, steps, logs or {}, now) + "\n")
            self.stream.flush()

    def bar_line(self, done, steps, logs, now):
        elapsed = now - self.epoch_start
        head = f"epoch {self.epoch + 1}/{self._total_epochs()}"
        if steps:
            filled = int(BAR_WIDTH * done / steps)
            bar = ("=" * filled + ">").ljust(BAR_WIDTH)[:BAR_WIDTH]
            left = elapsed / done * (steps - done)
            where = f"[{bar}] {done}/{steps}  {format_duration(left)} left"
        else:
            where = f"step {done}  {format_duration(elapsed)}"
        loss = logs.get("loss")
        return f"{head} {where}" + (f"  loss {float(loss):.4f}" if loss is not None else "")

    def on_epoch_end(self, epoch, logs=None):
        if self.drawn_in_place:
            self.stream.write("\r\033[K")
            self.drawn_in_place = False
        seconds = time.monotonic() - self.epoch_start
        self.stream.write(f"epoch {epoch + 1}/{self._total_epochs()}  "
                          f"{format_duration(seconds)}  {format_logs(logs or {})}\n")
        self.stream.flush()
