"""How fast a task answers: images per second through its own `predict`, as a model card
reports it (reading files excluded, one warm-up batch first so tracing is not counted)."""

import time


def images_per_second(task, images, batch_size):
    """Images/s of `task.predict` over `images` in batches of `batch_size`."""
    task.predict(images[:batch_size], batch_size=batch_size)
    start = time.perf_counter()
    for i in range(0, len(images), batch_size):
        task.predict(images[i:i + batch_size], batch_size=batch_size)
    return len(images) / (time.perf_counter() - start)
