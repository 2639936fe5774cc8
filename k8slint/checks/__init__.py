"""Python checks of the built-in rules, one module per rule (or per tight family).

Each check is registered under its rule's code with
:func:`k8slint.registry.object_check` or :func:`k8slint.registry.set_check`;
the rule's metadata and docs live in ``rules/<CODE>-<name>.yaml``.
"""
