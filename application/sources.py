"""Network sources: which network file (and placement) a study or a session works on.

Exports :class:`NetworkSource` (a file's bytes, hash and placement), :func:`demo_source`,
:func:`open_source_network`, :func:`source_of_study` (the network a study names),
:func:`network_keys` (the ``network``/``placement`` keys that name a source in a saved
study) and :func:`companions` (files to save beside it). The app's pages keep a
``NetworkSource`` per session and cache :func:`open_source_network` by its key; nothing
here depends on the app.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field

from application.network_run import OpenedNetwork, open_network_bytes
from application.paths import DEMO_NETWORK, DEMO_PLACEMENT, studies_dir
from application.placement_files import placement_from, read_placement

__all__ = ["NetworkSource", "companions", "demo_source", "network_keys",
           "open_source_network", "source_of_study"]


@dataclass(frozen=True)
class NetworkSource:
    """A network file a session works on (its bytes, so a page never re-reads an upload).

    Attributes
    ----------
    name : str
        File name shown to the user.
    data : bytes
        File content (INP or GeoPackage).
    sha256 : str
        Hash of ``data``.
    placement_file : str or None
        Placement YAML on disk, if any.
    placement_json : str or None
        Placement mapping (JSON text), as a study file gives it, if any.
    path : str or None
        The file on disk (demo or a study's network); None for uploads.
    demo : bool
        True for the shipped demo.
    """

    name: str
    data: bytes = field(repr=False)
    sha256: str
    placement_file: str | None = None
    placement_json: str | None = None
    path: str | None = None
    demo: bool = False

    @classmethod
    def from_bytes(cls, name: str, data: bytes, **kw) -> NetworkSource:
        """Source for uploaded or read bytes."""
        return cls(name=name, data=data, sha256=hashlib.sha256(data).hexdigest(), **kw)

    @property
    def key(self) -> tuple:
        """Cache key: content and placement."""
        return (self.sha256, self.placement_file, self.placement_json)


def demo_source() -> NetworkSource:
    """The shipped demo: C-Town (CC BY 4.0) placed in Kunming."""
    return NetworkSource.from_bytes(DEMO_NETWORK.name, DEMO_NETWORK.read_bytes(),
                                    placement_file=str(DEMO_PLACEMENT), path=str(DEMO_NETWORK),
                                    demo=True)


def open_source_network(source: NetworkSource) -> OpenedNetwork:
    """Open a network source: read its bytes and place it (its placement file or mapping).

    Raises
    ------
    models.PlannerError
        The file is not a network (line named), or its placement is bad.
    """
    opened = open_network_bytes(source.name, source.data)
    if source.placement_file:
        placement = read_placement(source.placement_file, opened.net)
    elif source.placement_json:
        placement = placement_from(json.loads(source.placement_json), opened.net,
                                   source=source.name)
    else:
        return opened
    return OpenedNetwork(opened.net, placement, opened.source, opened.sha256)


def source_of_study(study) -> NetworkSource | None:
    """The network a study names (``network`` and ``placement`` keys), or None if none.

    Raises
    ------
    ScenarioFileError
        The network file does not exist.
    """
    network = study.path_of("network")
    if network is None:
        return None
    placement = study.body.get("placement")
    kw = {}
    if isinstance(placement, str):
        kw["placement_file"] = str(study.resolve(placement).resolve())
    elif placement is not None:
        kw["placement_json"] = json.dumps(placement, sort_keys=True)
    demo = (network.resolve() == DEMO_NETWORK.resolve()
            and kw.get("placement_file") in (None, str(DEMO_PLACEMENT.resolve())))
    if demo and "placement_file" in kw:
        kw["placement_file"] = str(DEMO_PLACEMENT)
    return NetworkSource.from_bytes(network.name, network.read_bytes(), path=str(network),
                                    demo=demo, **kw)


def network_keys(source: NetworkSource, file_stem: str) -> dict:
    """``network`` and ``placement`` keys naming ``source`` in a study saved to the studies
    folder: a path relative to it, or (for an upload) ``<file_stem>-<upload name>``, the
    companion file :func:`companions` writes beside the study."""
    def rel(path: str) -> str:
        return os.path.relpath(path, studies_dir())

    upload = f"{file_stem}-{re.sub(r'[^A-Za-z0-9_.-]+', '-', source.name)}"
    keys: dict = {"network": rel(source.path) if source.path else upload}
    if source.placement_file:
        keys["placement"] = rel(source.placement_file)
    elif source.placement_json:
        keys["placement"] = json.loads(source.placement_json)
    return keys


def companions(source: NetworkSource, study) -> dict[str, bytes]:
    """Files to save beside a study: an uploaded network (nothing for files on disk)."""
    if source.path or "network" not in study.body:
        return {}
    return {study.body["network"]: source.data}
