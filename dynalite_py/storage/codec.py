"""The one codec of stored records: msgpack, bytes kept as bytes (bin type),
strings decoded as str. Every repository packs and unpacks through these two
functions, whatever the backend."""
from __future__ import annotations

from typing import Any, Callable

import msgpack

pack: Callable[[Any], bytes] = msgpack.Packer(use_bin_type=True).pack
# msgpack >= 1.0 decodes strings as str (raw=False) by default: no wrapper call
unpack: Callable[[bytes], Any] = msgpack.unpackb
