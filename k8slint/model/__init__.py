"""What the loader builds and the rules read: objects and files, their values and views, the object graph.

The model imports nothing from the loader (k8slint.sources), the rules
(k8slint.checks), the engine, the CLI or the reporters; tests/test_architecture.py
keeps it so.
"""
