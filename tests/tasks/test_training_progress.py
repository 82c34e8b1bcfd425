"""The training progress bar: redrawn in place on a terminal, a line per tenth of an epoch in
a log, one line of metrics per epoch; steps, time left and the loss shown."""

import io

from kerasvision.tasks.training_progress import TrainingProgress, format_duration


class Terminal(io.StringIO):
    def isatty(self):
        return True


def run_epoch(stream, steps=20):
    progress = TrainingProgress(epochs=3, stream=stream)
    progress.set_params({"epochs": 3, "steps": steps})
    progress.on_epoch_begin(1)
    for step in range(steps):
        progress.last_draw = 0.0  # as if 0.1 s had passed between steps
        progress.on_train_batch_end(step, {"loss": 1.0 / (step + 1)})
    progress.on_epoch_end(1, {"loss": 0.25, "accuracy": 0.9, "val_loss": 0.3})
    return stream.getvalue()


def test_in_a_log_the_bar_moves_a_line_per_tenth_of_the_epoch():
    text = run_epoch(io.StringIO())
    lines = text.splitlines()
    assert len(lines) == 10  # 9 moving lines (10 %, ..., 90 %) and the epoch's line
    assert lines[0].startswith("epoch 2/3 [") and "] 2/20" in lines[0]
    assert " left  loss 0.5000" in lines[0] and "] 18/20" in lines[8]
    assert lines[-1].startswith("epoch 2/3  0:00  loss 0.2500  accuracy 0.9000  val_loss 0.3000")
    assert "\r" not in text


def test_on_a_terminal_the_bar_is_redrawn_in_place():
    text = run_epoch(Terminal())
    assert text.count("\r") >= 20 and "] 20/20" in text
    assert text.endswith("\n") and text.count("\n") == 1  # only the epoch's line stays


def test_durations_read_as_clock_times():
    assert (format_duration(5), format_duration(65), format_duration(3725)) == \
        ("0:05", "1:05", "1:02:05")
