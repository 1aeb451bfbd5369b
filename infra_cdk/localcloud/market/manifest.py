"""Manifest files of the local market: where they live and how they are written and read."""

from __future__ import annotations

from pathlib import Path

from tradewind.deployments.manifest import DeploymentManifest


def manifest_path(deployments_dir: Path, chain_key: str) -> Path:
    """Where the manifest of ``chain_key`` lives: ``<deployments_dir>/<chain key>.json``."""
    return deployments_dir / f"{chain_key}.json"


def write_manifest(manifest: DeploymentManifest, path: Path) -> None:
    """Write ``manifest`` as indented JSON, creating the directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")


def load_manifest(path: Path) -> DeploymentManifest:
    """Read a manifest written by ``write_manifest``."""
    return DeploymentManifest.model_validate_json(path.read_text(encoding="utf-8"))
