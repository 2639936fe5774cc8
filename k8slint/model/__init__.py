"""Views over Kubernetes objects: kinds, pod specs, label selectors, quantities."""
