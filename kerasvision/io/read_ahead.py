"""Decode the next files while the model runs on the current batch.

`read_ahead(records)` runs an iterator of read records (`ImagePreprocessor.read`) in one
background thread and yields its items in order. TensorFlow releases the GIL while a model
runs, so Pillow's decoding of the next batch overlaps the forward pass of this one instead of
waiting for it (issue 14: `classify` over 1,000 small PNGs ran 1.27× faster in one process).

What waits in the queue is bounded twice: at most `depth` records, and at most `max_bytes`
of decoded pixels (one record is always let through, however large), so read-ahead of large
photographs holds a few images, not a batch of them. One reader thread only: the reader swaps
process-wide warning filters and Pillow flags for the duration of a decode
(kerasvision/io/image_reader.py), which is safe for one decoding thread at a time. An
exception in the reader is raised in the caller at its place in the sequence; closing the
generator early stops the reader.
"""

import queue
import threading

DEFAULT_MAX_BYTES = 64 * 2 ** 20

_END = object()


class _Raised:
    def __init__(self, error):
        self.error = error


class _ByteBudget:
    """Decoded bytes in flight; a record waits while admitting it would pass the limit."""

    def __init__(self, limit):
        self.limit, self.used = limit, 0
        self.changed = threading.Condition()

    def acquire(self, size, stop):
        with self.changed:
            while self.used and self.used + size > self.limit and not stop.is_set():
                self.changed.wait(0.1)
            self.used += size
            return not stop.is_set()

    def release(self, size):
        with self.changed:
            self.used -= size
            self.changed.notify_all()


def _size(record):
    image = getattr(record, "image", None)
    return int(getattr(image, "nbytes", 0) or 0)


def read_ahead(records, depth=64, max_bytes=DEFAULT_MAX_BYTES):
    """Yield the items of the iterable `records`, produced ahead in a thread: at most `depth`
    of them and `max_bytes` of their decoded images wait."""
    items = queue.Queue(maxsize=max(1, depth))
    budget = _ByteBudget(max_bytes)
    stop = threading.Event()

    def put(item):
        while not stop.is_set():
            try:
                items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce():
        try:
            for record in records:
                if not budget.acquire(_size(record), stop) or not put(record):
                    return
        except BaseException as error:  # noqa: BLE001 - handed to the consumer to raise
            put(_Raised(error))
            return
        put(_END)

    reader = threading.Thread(target=produce, name="kerasvision-read-ahead", daemon=True)
    reader.start()
    try:
        while True:
            item = items.get()
            if item is _END:
                return
            if isinstance(item, _Raised):
                raise item.error
            budget.release(_size(item))
            yield item
    finally:
        stop.set()
        reader.join()
