"""Which file names are kustomizations, told without loading the kustomization reader (discovery asks it of every file)."""

from __future__ import annotations

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


def is_kustomization_name(name: str) -> bool:
    return name in KUSTOMIZATION_NAMES
