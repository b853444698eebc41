"""boto3 against the gateway's S3 endpoint: multipart upload_file, download_file, presigned GET and PUT,
and the checksum trailer (aws-chunked STREAMING-UNSIGNED-PAYLOAD-TRAILER) botocore sends over TLS."""
import base64
import hashlib
import os
import sys
import urllib.request
import uuid
from urllib.parse import urlparse

import boto3
import botocore.exceptions
import botocore.httpchecksum
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

endpoint, bucket, workdir = os.environ["S3_ENDPOINT"], os.environ["S3_BUCKET"], sys.argv[1]
s3 = boto3.client("s3", endpoint_url=endpoint, config=Config(signature_version="s3v4"))
prefix = f"boto3/{uuid.uuid4().hex}/"

data = os.urandom(13 * 1024 * 1024 + 17)
src = os.path.join(workdir, "boto3-src.bin")
with open(src, "wb") as f:
    f.write(data)

# upload_file in 5 MiB parts (three parts), then download_file.
s3.upload_file(src, bucket, prefix + "big.bin", Config=TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024))
head = s3.head_object(Bucket=bucket, Key=prefix + "big.bin")
assert head["ContentLength"] == len(data), head
assert head["ETag"].endswith('-3"'), head["ETag"]
dst = os.path.join(workdir, "boto3-dst.bin")
s3.download_file(bucket, prefix + "big.bin", dst)
with open(dst, "rb") as f:
    assert f.read() == data, "download_file returned other bytes"

# Presigned GET and PUT, fetched with plain urllib (no credentials).
url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": prefix + "big.bin"}, ExpiresIn=300)
with urllib.request.urlopen(url) as r:
    assert hashlib.md5(r.read()).hexdigest() == hashlib.md5(data).hexdigest()
put_url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": prefix + "presigned.txt"}, ExpiresIn=300)
with urllib.request.urlopen(urllib.request.Request(put_url, data=b"presigned body", method="PUT")) as r:
    assert r.status == 200
assert s3.get_object(Bucket=bucket, Key=prefix + "presigned.txt")["Body"].read() == b"presigned body"
# A presigned URL whose signature was altered is refused.
bad = url.replace("X-Amz-Signature=", "X-Amz-Signature=0")[:-1]
try:
    urllib.request.urlopen(bad)
    raise AssertionError("an altered presigned URL was accepted")
except urllib.error.HTTPError as e:
    assert e.code == 403, e.code
    assert b"SignatureDoesNotMatch" in e.read()

# x-amz-meta-* round-trips; CopyObject's COPY keeps it, REPLACE takes the request's; over 8 KiB is refused.
s3.put_object(Bucket=bucket, Key=prefix + "meta.txt", Body=b"with metadata", Metadata={"color": "blue"})
assert s3.head_object(Bucket=bucket, Key=prefix + "meta.txt")["Metadata"] == {"color": "blue"}
assert s3.get_object(Bucket=bucket, Key=prefix + "meta.txt")["Metadata"] == {"color": "blue"}
s3.copy_object(Bucket=bucket, Key=prefix + "meta-copy.txt", CopySource={"Bucket": bucket, "Key": prefix + "meta.txt"})
assert s3.head_object(Bucket=bucket, Key=prefix + "meta-copy.txt")["Metadata"] == {"color": "blue"}
s3.copy_object(Bucket=bucket, Key=prefix + "meta-replace.txt", CopySource={"Bucket": bucket, "Key": prefix + "meta.txt"},
               MetadataDirective="REPLACE", Metadata={"shape": "round"})
assert s3.head_object(Bucket=bucket, Key=prefix + "meta-replace.txt")["Metadata"] == {"shape": "round"}
# A SHA256 the client sent is stored; HeadObject/GetObject return it only with ChecksumMode=ENABLED
# (botocore then checks the body against it).
body = b"checksummed body"
sha = base64.b64encode(hashlib.sha256(body).digest()).decode()
s3.put_object(Bucket=bucket, Key=prefix + "sha.txt", Body=body, ChecksumAlgorithm="SHA256")
assert s3.head_object(Bucket=bucket, Key=prefix + "sha.txt", ChecksumMode="ENABLED")["ChecksumSHA256"] == sha
assert "ChecksumSHA256" not in s3.head_object(Bucket=bucket, Key=prefix + "sha.txt")
got = s3.get_object(Bucket=bucket, Key=prefix + "sha.txt", ChecksumMode="ENABLED")
assert got["ChecksumSHA256"] == sha and got["Body"].read() == body
# A range gets no whole-object checksum (botocore would check the part against it).
ranged = s3.get_object(Bucket=bucket, Key=prefix + "sha.txt", Range="bytes=0-3", ChecksumMode="ENABLED")
assert ranged["Body"].read() == body[:4] and "ChecksumSHA256" not in ranged, ranged
s3.copy_object(Bucket=bucket, Key=prefix + "sha-copy.txt", CopySource={"Bucket": bucket, "Key": prefix + "sha.txt"})
assert s3.head_object(Bucket=bucket, Key=prefix + "sha-copy.txt", ChecksumMode="ENABLED")["ChecksumSHA256"] == sha

try:
    s3.put_object(Bucket=bucket, Key=prefix + "meta-big.txt", Body=b"x", Metadata={"big": "v" * 9000})
    raise AssertionError("metadata over 8 KiB was accepted")
except botocore.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] == "MetadataTooLarge", e.response

# CreateMultipartUpload with ChecksumAlgorithm=SHA256 and metadata: parts keep their SHA256, the object
# gets S3's composite (SHA256 of the parts' digests, "-N") and the metadata.
mpu = s3.create_multipart_upload(Bucket=bucket, Key=prefix + "sha-mpu.bin", ChecksumAlgorithm="SHA256", Metadata={"color": "green"})
chunks = [data[:5 * 1024 * 1024], data[5 * 1024 * 1024:5 * 1024 * 1024 + 1000]]
parts = []
for n, chunk in enumerate(chunks, 1):
    r = s3.upload_part(Bucket=bucket, Key=prefix + "sha-mpu.bin", UploadId=mpu["UploadId"], PartNumber=n, Body=chunk, ChecksumAlgorithm="SHA256")
    assert r["ChecksumSHA256"] == base64.b64encode(hashlib.sha256(chunk).digest()).decode(), r
    parts.append({"PartNumber": n, "ETag": r["ETag"], "ChecksumSHA256": r["ChecksumSHA256"]})
s3.complete_multipart_upload(Bucket=bucket, Key=prefix + "sha-mpu.bin", UploadId=mpu["UploadId"], MultipartUpload={"Parts": parts})
head = s3.head_object(Bucket=bucket, Key=prefix + "sha-mpu.bin", ChecksumMode="ENABLED")
composite = base64.b64encode(hashlib.sha256(b"".join(hashlib.sha256(c).digest() for c in chunks)).digest()).decode() + "-2"
assert head["ChecksumSHA256"] == composite, (head.get("ChecksumSHA256"), composite)
assert head["Metadata"] == {"color": "green"}, head["Metadata"]

# botocore sends checksums in an aws-chunked trailer only over https; make it believe the endpoint is,
# so the real client code produces STREAMING-UNSIGNED-PAYLOAD-TRAILER with x-amz-checksum-crc32.
real_urlparse = botocore.httpchecksum.urlparse
botocore.httpchecksum.urlparse = lambda u: real_urlparse(u.replace("http://", "https://", 1))
import botocore.auth
botocore.auth.S3SigV4Auth._should_sha256_sign_payload = lambda self, request: False
import io
import zlib


def crc32(b):
    return zlib.crc32(b).to_bytes(4, "big")


body = os.urandom(300 * 1024)
sent = []
s3.meta.events.register("before-send.s3.*", lambda request, **_: sent.append(
    {k.lower(): v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}))
put = s3.put_object(Bucket=bucket, Key=prefix + "trailer.bin", Body=io.BytesIO(body), ChecksumAlgorithm="CRC32")
assert sent[-1].get("x-amz-trailer") == "x-amz-checksum-crc32", sent[-1]
assert "x-amz-checksum-crc32" not in sent[-1], "the checksum must travel only in the trailer for this test"
# The trailer's checksum is kept: PutObject echoes it, GET/HEAD with ChecksumMode=ENABLED return it.
crc = base64.b64encode(crc32(body)).decode()
assert put.get("ChecksumCRC32") == crc, put
assert s3.head_object(Bucket=bucket, Key=prefix + "trailer.bin", ChecksumMode="ENABLED").get("ChecksumCRC32") == crc
got = s3.get_object(Bucket=bucket, Key=prefix + "trailer.bin", ChecksumMode="ENABLED")
assert got.get("ChecksumCRC32") == crc and got["Body"].read() == body
for algorithm, field, digest in [("SHA1", "ChecksumSHA1", hashlib.sha1(body).digest()),
                                 ("SHA256", "ChecksumSHA256", hashlib.sha256(body).digest())]:
    s3.put_object(Bucket=bucket, Key=prefix + "trailer-" + algorithm, Body=io.BytesIO(body), ChecksumAlgorithm=algorithm)
    stored = s3.head_object(Bucket=bucket, Key=prefix + "trailer-" + algorithm, ChecksumMode="ENABLED").get(field)
    assert stored is not None, algorithm
    assert digest is None or stored == base64.b64encode(digest).decode(), (algorithm, stored)
# upload_fileobj with the default settings: s3transfer asks for CRC32 on CreateMultipartUpload and sends
# each part's CRC32 in a trailer; the object gets S3's composite checksum of the parts.
s3.upload_fileobj(io.BytesIO(data), bucket, prefix + "trailer-mpu.bin",
                  Config=TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024))
assert s3.get_object(Bucket=bucket, Key=prefix + "trailer-mpu.bin")["Body"].read() == data
step = 5 * 1024 * 1024
composite = base64.b64encode(crc32(b"".join(crc32(data[i:i + step]) for i in range(0, len(data), step)))).decode() + "-3"
head = s3.head_object(Bucket=bucket, Key=prefix + "trailer-mpu.bin", ChecksumMode="ENABLED")
assert head.get("ChecksumCRC32") == composite, (head.get("ChecksumCRC32"), composite)
print("OK")
