"""Coverage-guided fuzzing of k8slint's input loaders (see fuzz/targets.py)."""
