"""`k8slint lsp`: the findings of `k8slint check --with-context` as an editor's diagnostics.

``positions`` turns k8slint's 1-based line/column findings into LSP ranges and
writes the suppression comment (no LSP library needed); ``server`` is the
language server on pygls (the optional ``k8slint[lsp]`` extra).
"""
