import os

# Quiet TensorFlow's C++ start-up lines in test logs; keep oneDNN on (it is what users run).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
