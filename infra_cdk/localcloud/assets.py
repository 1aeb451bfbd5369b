"""The CDK assets staged in a cloud assembly (``cdk.out``), looked up by their S3 object key."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from pydantic import BaseModel, ConfigDict


class StagedAsset(BaseModel):
    """One file asset: where CDK staged it and the S3 key the template refers to it by."""

    model_config = ConfigDict(frozen=True)

    asset_hash: str
    object_key: str
    path: Path

    def zip_bytes(self) -> bytes:
        """The asset as Lambda wants it in S3: a zip of the staged directory, or the staged zip file."""
        if self.path.is_file():
            return self.path.read_bytes()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for file in sorted(self.path.rglob("*")):
                if file.is_file():
                    archive.write(file, file.relative_to(self.path).as_posix())
        return buffer.getvalue()


def read_assets(template_path: Path) -> dict[str, StagedAsset]:
    """The staged file assets of a template, by S3 object key, from its ``<Stack>.assets.json``."""
    manifest_path = template_path.with_name(template_path.name.replace(".template.json", ".assets.json"))
    manifest = json.loads(manifest_path.read_text())
    assets: dict[str, StagedAsset] = {}
    for asset_hash, entry in manifest.get("files", {}).items():
        if entry["source"].get("packaging") != "zip":
            continue
        for destination in entry["destinations"].values():
            key = destination["objectKey"]
            assets[key] = StagedAsset(
                asset_hash=asset_hash, object_key=key, path=manifest_path.parent / entry["source"]["path"]
            )
    return assets
