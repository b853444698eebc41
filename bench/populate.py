#!/usr/bin/env python3
"""Writes objects or parts straight into a filesystem store's root, in the store's on-disk format
(docs/contract.md, "The embedded store on disk"), for benchmarks that need more of them than HTTP
could upload in a short run. Not a supported way to load data: the store writes through temp files
and locks, this does not.

  populate.py objects <root> <count> <prefix>       1-byte objects <prefix>000000000 ... (then run `index rebuild`)
  populate.py parts <root> <uploadId> <count> <mib> sparse parts 1..count of <mib> MiB of zeros each
"""
import hashlib, json, os, struct, sys
from datetime import datetime, timezone

NOW = datetime.now(timezone.utc).isoformat()


def blob(path, data_len, data, trailer):
    js = json.dumps(trailer, separators=(",", ":")).encode()
    with open(path, "wb") as f:
        if data is not None:
            f.write(data)
        else:
            f.truncate(data_len)  # sparse zeros
            f.seek(data_len)
        f.write(js)
        f.write(struct.pack("<i", len(js)) + b"R2GWBLB1")


def objects(root, count, prefix):
    for i in range(count):
        key = f"{prefix}{i:09d}"
        h = hashlib.sha256(key.encode()).hexdigest()
        d = os.path.join(root, "objects", h[:2], h[2:4])
        os.makedirs(d, exist_ok=True)
        data = b"x"
        blob(os.path.join(d, h), 1, data, {"key": key, "size": 1, "eTag": hashlib.md5(data).hexdigest(),
                                              "lastModified": NOW, "metadata": {}})


def parts(root, upload_id, count, mib):
    size = mib * 1024 * 1024
    etag = hashlib.md5(bytes(size)).hexdigest()
    d = os.path.join(root, "uploads", upload_id)
    for n in range(1, count + 1):
        blob(os.path.join(d, f"{n:05d}.part"), size, None,
             {"partNumber": n, "eTag": etag, "size": size, "lastModified": NOW})
    print(etag)


if __name__ == "__main__":
    if sys.argv[1] == "objects":
        objects(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        parts(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
