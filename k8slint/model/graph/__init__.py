"""The object graph: objects by kind, namespace, name and pod labels; what selects what; what counts as present."""
