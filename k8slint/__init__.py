"""k8slint: a deployment validation linter for Kubernetes projects."""

__version__ = "0.1.0"
