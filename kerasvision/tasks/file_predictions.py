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


def predict_files(paths, preprocessor, predict_batch, batch_size=64):
    """Yield a FileResult per image file under `paths`, in the order they are found.

    Args:
        paths: files and folders (walked recursively).
        preprocessor: the task's ImagePreprocessor (decides channels and reads the files).
        predict_batch: callable(list of uint8 (H, W, C) arrays) -> list of answers.
        batch_size: how many decoded images are held before `predict_batch` runs.
    """
    batch = []

    def flush():
        answers = predict_batch([image for _, image in batch])
        results = [FileResult(path, answer) for (path, _), answer in zip(batch, answers)]
        batch.clear()
        return results

    for result in preprocessor.read(paths):
        if result.error is not None:
            yield FileResult(str(result.path), error=str(result.error))
            continue
        batch.append((str(result.path), result.image))
        if len(batch) >= batch_size:
            yield from flush()
    if batch:
        yield from flush()
