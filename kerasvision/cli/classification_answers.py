"""How `kerasvision classify` words one image's answer, plain and in JSON.

A calibrated classifier (tasks/in_distribution.py) says when an image is not like its training
data rather than naming a class with confidence it has not earned:

    photo.jpg: not like any garment the model knows (closest: Bag 0.87)
"""


def answer_line(path, predictions):
    """The plain-text line for one classified file."""
    if getattr(predictions, "in_distribution", None) is False:
        best = predictions[0]
        return (f"{path}: not like any {predictions.noun} the model knows "
                f"(closest: {best.label} {best.score:.2f})")
    return f"{path}: " + ", ".join(f"{p.label} {p.score:.3f}" for p in predictions)


def in_distribution_fields(predictions):
    """`{"in_distribution": bool, "in_distribution_score": float}` for the JSON entry, or {}
    when the classifier has no calibration."""
    verdict = getattr(predictions, "in_distribution", None)
    if verdict is None:
        return {}
    return {"in_distribution": bool(verdict),
            "in_distribution_score": round(float(predictions.in_distribution_score), 6)}
