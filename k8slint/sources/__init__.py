"""Readers for k8slint's inputs: the files to lint and what is inside them."""
