"""boto3 against the gateway's S3 endpoint: multipart upload_file, download_file, presigned GET and PUT,
and the checksum trailer (aws-chunked STREAMING-UNSIGNED-PAYLOAD-TRAILER) botocore sends over TLS."""
import hashlib
import os
import sys
import urllib.request
import uuid
from urllib.parse import urlparse

import boto3
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

# botocore sends checksums in an aws-chunked trailer only over https; make it believe the endpoint is,
# so the real client code produces STREAMING-UNSIGNED-PAYLOAD-TRAILER with x-amz-checksum-crc32.
real_urlparse = botocore.httpchecksum.urlparse
botocore.httpchecksum.urlparse = lambda u: real_urlparse(u.replace("http://", "https://", 1))
import botocore.auth
botocore.auth.S3SigV4Auth._should_sha256_sign_payload = lambda self, request: False
import io
body = os.urandom(300 * 1024)
s3.put_object(Bucket=bucket, Key=prefix + "trailer.bin", Body=io.BytesIO(body), ChecksumAlgorithm="CRC32")
assert s3.get_object(Bucket=bucket, Key=prefix + "trailer.bin")["Body"].read() == body
s3.upload_fileobj(io.BytesIO(data), bucket, prefix + "trailer-mpu.bin",
                  Config=TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024))
assert s3.get_object(Bucket=bucket, Key=prefix + "trailer-mpu.bin")["Body"].read() == data
print("OK")
