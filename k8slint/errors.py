"""Typed errors raised by library code; only the CLI turns them into exit codes."""


class K8slintError(Exception):
    """Base class: a problem with how k8slint was asked to run (exit code 2)."""


class UsageError(K8slintError):
    """A bad argument, such as a path that does not exist."""


class ConfigError(K8slintError):
    """A configuration file that cannot be read or does not validate."""
