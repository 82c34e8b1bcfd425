"""read_ahead (io/read_ahead.py): the records of an iterator, in order, decoded ahead in one
thread, with the queue bounded in count and in decoded bytes."""

import threading
import time
from types import SimpleNamespace

import numpy as np
import pytest

from kerasvision.io.read_ahead import read_ahead


def records(sizes, log=None):
    for i, size in enumerate(sizes):
        if log is not None:
            log.append(("made", i))
        yield SimpleNamespace(index=i, image=np.zeros(size, np.uint8), error=None)


def test_items_come_in_order_and_all_of_them():
    out = [r.index for r in read_ahead(records([10] * 200), depth=7)]
    assert out == list(range(200))


def test_a_reader_exception_is_raised_at_its_place():
    def failing():
        yield from records([1, 1, 1])
        raise OSError("disk gone")

    got = []
    with pytest.raises(OSError, match="disk gone"):
        for record in read_ahead(failing()):
            got.append(record.index)
    assert got == [0, 1, 2]


def test_decoded_bytes_waiting_stay_under_the_budget_but_one_always_passes():
    log = []
    consumed = []
    for record in read_ahead(records([400] * 20 + [5000] + [10] * 5, log), depth=50,
                             max_bytes=1000):
        time.sleep(0.01)  # a slow model: the reader runs ahead as far as it may
        made = sum(1 for event in log if event[0] == "made")
        consumed.append(record.index)
        # Made but not yet handed over, while 400-byte records flow: at most two of them
        # wait (≤ 1,000 bytes), plus the one the reader holds while it waits for room.
        if record.index < 18:
            assert made - len(consumed) <= 3
    assert consumed == list(range(26))  # the 5,000-byte record passed on its own


def test_closing_early_stops_the_reader():
    before = threading.active_count()
    generator = read_ahead(records([10] * 10_000), depth=4)
    assert next(generator).index == 0
    generator.close()
    assert threading.active_count() == before
