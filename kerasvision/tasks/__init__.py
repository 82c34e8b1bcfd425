"""Applications: ImageClassifier (and later ObjectDetector, ImageSegmenter)."""
