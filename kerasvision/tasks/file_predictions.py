"""The batched file loop every application shares: files in, one result per file out.

Files and folders are read through the task's preprocessor (`kerasvision.io` underneath), so
an unreadable file becomes one result carrying a one-line error naming it, and the rest of the
batch still runs. Shared by the Keras-backed tasks and the SavedModel-backed predictors.
"""

from dataclasses import dataclass


@dataclass
class FileResult:
    """The answer for one file, or the one-line reason there is none.

    `predictions` is the task's answer: a list of `Prediction`s for a classifier, a detection
    dict for a detector, a class map for a segmenter.
    """

    path: str
    predictions: object = None
    error: str = None
    image: object = None  # the decoded image, when asked for (e.g. to draw on)


def predict_files(paths, preprocessor, predict_batch, batch_size=64, keep_images=False):
    """Yield a FileResult per image file under `paths`, in input order.

    Files come in the order given, each folder's files in sorted order; a file that cannot
    be read keeps its place (its result waits for the batch of good files before it).

    Args:
        paths: files and folders (walked recursively).
        preprocessor: the task's ImagePreprocessor (decides channels and reads the files).
        predict_batch: callable(list of uint8 (H, W, C) arrays) -> list of answers.
        batch_size: how many decoded images are held before `predict_batch` runs.
        keep_images: attach each decoded image to its FileResult (`image`).
    """
    pending = []  # (path, image, error) in input order; errors ride along with the batch

    def flush():
        good = [image for _, image, error in pending if error is None]
        answers = iter(predict_batch(good) if good else [])
        results = [FileResult(path, error=error) if error is not None else
                   FileResult(path, next(answers), image=image if keep_images else None)
                   for path, image, error in pending]
        pending.clear()
        return results

    from kerasvision.io.read_ahead import read_ahead

    # The next batch's files decode in a thread while the model runs on this one.
    for result in read_ahead(preprocessor.read(paths), depth=batch_size):
        error = None if result.error is None else str(result.error)
        pending.append((str(result.path), result.image, error))
        if sum(error is None for _, _, error in pending) >= batch_size:
            yield from flush()
    if pending:
        yield from flush()
