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
    """Yield a FileResult per image file under `paths`, in the order they are found.

    Args:
        paths: files and folders (walked recursively).
        preprocessor: the task's ImagePreprocessor (decides channels and reads the files).
        predict_batch: callable(list of uint8 (H, W, C) arrays) -> list of answers.
        batch_size: how many decoded images are held before `predict_batch` runs.
        keep_images: attach each decoded image to its FileResult (`image`).
    """
    batch = []

    def flush():
        answers = predict_batch([image for _, image in batch])
        results = [FileResult(path, answer, image=image if keep_images else None)
                   for (path, image), answer in zip(batch, answers)]
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
