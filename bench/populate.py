#!/usr/bin/env python3
"""Writes objects or parts straight into a filesystem store's root, in the store's on-disk format
(docs/contract.md, "The embedded store on disk"), for benchmarks that need more of them than HTTP
could upload in a short run. Not a supported way to load data: the store writes through temp files
and locks, this does not.

  populate.py objects <root> <count> <prefix>       1-byte objects <prefix>000000000 ..., and their rows in
                                                    the listing index (index.db), written in bulk
  populate.py rows <root> <count> <prefix>          only the index rows of such objects, no files: index ballast
                                                    where creating 1,000,000 files takes too long (never listed)
  populate.py parts <root> <uploadId> <count> <mib> sparse parts 1..count of <mib> MiB of zeros each

Run it while no gateway serves the root. `index rebuild` would index the objects too, but reads
every file back (minutes for 1,000,000); the rows written here are what it would write.
"""
import hashlib, json, os, sqlite3, struct, sys
from datetime import datetime, timezone

NOW = datetime.now(timezone.utc).isoformat()


def trailer_bytes(trailer):
    js = json.dumps(trailer, separators=(",", ":")).encode()
    return js + struct.pack("<i", len(js)) + b"R2GWBLB1"


def blob(path, data_len, data, trailer):
    with open(path, "wb") as f:
        if data is not None:
            f.write(data)
        else:
            f.truncate(data_len)  # sparse zeros
            f.seek(data_len)
        f.write(trailer_bytes(trailer))


# The schema of src/R2Gateway/Storage/FileSystem/ObjectIndex.cs (SchemaVersion "1").
SCHEMA = """
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS objects (key BLOB PRIMARY KEY, info BLOB NOT NULL, pending INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS pending_objects ON objects (pending) WHERE pending = 1;
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def objects(root, count, prefix, files=True):
    data = b"x"
    etag = hashlib.md5(data).hexdigest()
    made = set()
    db = sqlite3.connect(os.path.join(root, "index.db"), isolation_level=None)
    db.executescript(SCHEMA)
    db.execute("PRAGMA synchronous = OFF")
    rows = []

    def flush():
        db.execute("BEGIN")
        db.executemany("INSERT INTO objects (key, info, pending) VALUES (?, ?, 0) "
                       "ON CONFLICT (key) DO UPDATE SET info = excluded.info, pending = 0", rows)
        db.execute("COMMIT")
        rows.clear()

    for i in range(count):
        key = f"{prefix}{i:09d}"
        info = {"key": key, "size": 1, "eTag": etag, "lastModified": NOW, "metadata": {}}
        if files:
            h = hashlib.sha256(key.encode()).hexdigest()
            d = os.path.join(root, "objects", h[:2], h[2:4])
            if d not in made:
                os.makedirs(d, exist_ok=True)
                made.add(d)
            fd = os.open(os.path.join(d, h), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.write(fd, data + trailer_bytes(info))
            os.close(fd)
        rows.append((key.encode(), json.dumps(info, separators=(",", ":")).encode()))
        if len(rows) == 50000:
            flush()
    flush()
    db.execute("INSERT INTO meta (name, value) VALUES ('built', '1') ON CONFLICT (name) DO UPDATE SET value = excluded.value")
    db.close()


def parts(root, upload_id, count, mib):
    size = mib * 1024 * 1024
    etag = hashlib.md5(bytes(size)).hexdigest()
    d = os.path.join(root, "uploads", upload_id)
    for n in range(1, count + 1):
        blob(os.path.join(d, f"{n:05d}.part"), size, None,
             {"partNumber": n, "eTag": etag, "size": size, "lastModified": NOW})
    print(etag)


if __name__ == "__main__":
    if sys.argv[1] in ("objects", "rows"):
        objects(sys.argv[2], int(sys.argv[3]), sys.argv[4], files=sys.argv[1] == "objects")
    else:
        parts(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
