"""boto3 against the gateway's S3 endpoint: buckets (create, head, list filtered by the token, delete,
BucketNotEmpty) and ListMultipartUploads paged by KeyMarker/UploadIdMarker."""
import os
import uuid

import boto3
import botocore.exceptions
from botocore.config import Config

endpoint = os.environ["S3_ENDPOINT"]
default = os.environ["S3_BUCKET"]


def client(key=None, secret=None):
    extra = {} if key is None else {"aws_access_key_id": key, "aws_secret_access_key": secret}
    return boto3.client("s3", endpoint_url=endpoint, config=Config(signature_version="s3v4", retries={"max_attempts": 1}), **extra)


def error_of(call):
    try:
        call()
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    raise AssertionError("the call succeeded")


def names(c):
    return [b["Name"] for b in c.list_buckets()["Buckets"]]


owner = client()
team_a = client(os.environ["TEAM_A_KEY"], os.environ["TEAM_A_SECRET"])
scoped = client(os.environ["SCOPED_KEY"], os.environ["SCOPED_SECRET"])

# create, head, list; a second create is BucketAlreadyOwnedByYou
bucket = "py-" + uuid.uuid4().hex[:12]
owner.create_bucket(Bucket=bucket)
assert error_of(lambda: owner.create_bucket(Bucket=bucket)) == ("BucketAlreadyOwnedByYou", 409)
owner.head_bucket(Bucket=bucket)
assert bucket in names(owner) and default in names(owner), names(owner)

# ListBuckets shows only what the token may use
try:
    owner.create_bucket(Bucket="team-a")
except botocore.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] == "BucketAlreadyOwnedByYou", e
assert names(team_a) == ["team-a"], names(team_a)
assert names(scoped) == [default], names(scoped)
assert error_of(lambda: team_a.head_bucket(Bucket=bucket))[1] == 403
assert error_of(lambda: team_a.create_bucket(Bucket="py-" + uuid.uuid4().hex[:12])) == ("AccessDenied", 403)
assert error_of(lambda: team_a.delete_bucket(Bucket=bucket)) == ("AccessDenied", 403)

# an object, or an open upload, keeps a bucket from being deleted
owner.put_object(Bucket=bucket, Key="k.txt", Body=b"x")
assert error_of(lambda: owner.delete_bucket(Bucket=bucket)) == ("BucketNotEmpty", 409)
owner.delete_object(Bucket=bucket, Key="k.txt")
upload = owner.create_multipart_upload(Bucket=bucket, Key="open.bin")["UploadId"]
assert error_of(lambda: owner.delete_bucket(Bucket=bucket)) == ("BucketNotEmpty", 409)
owner.abort_multipart_upload(Bucket=bucket, Key="open.bin", UploadId=upload)
owner.delete_bucket(Bucket=bucket)
assert bucket not in names(owner)
assert error_of(lambda: owner.list_objects_v2(Bucket=bucket)) == ("NoSuchBucket", 404)
assert error_of(lambda: owner.delete_bucket(Bucket=bucket)) == ("NoSuchBucket", 404)
assert error_of(lambda: owner.delete_bucket(Bucket=default)) == ("InvalidBucketState", 409)

# ListMultipartUploads, two at a time, by KeyMarker and UploadIdMarker
bucket = "mpu-" + uuid.uuid4().hex[:12]
owner.create_bucket(Bucket=bucket)
created = [(k, owner.create_multipart_upload(Bucket=bucket, Key=k)["UploadId"]) for k in ["a/2", "a/1", "b/1", "a/2", "a/3"]]
seen, markers, pages = [], {}, 0
while True:
    page = owner.list_multipart_uploads(Bucket=bucket, MaxUploads=2, **markers)
    pages += 1
    assert page["MaxUploads"] == 2
    seen += [(u["Key"], u["UploadId"]) for u in page.get("Uploads", [])]
    if not page["IsTruncated"]:
        break
    markers = {"KeyMarker": page["NextKeyMarker"], "UploadIdMarker": page["NextUploadIdMarker"]}
assert seen == sorted(created), (seen, sorted(created))
assert pages == 3, pages
assert [u["Key"] for u in owner.list_multipart_uploads(Bucket=bucket, Prefix="a/")["Uploads"]] == ["a/1", "a/2", "a/2", "a/3"]
assert [u["Key"] for u in owner.list_multipart_uploads(Bucket=bucket, KeyMarker="a/2")["Uploads"]] == ["a/3", "b/1"]
paged = [u["UploadId"] for p in owner.get_paginator("list_multipart_uploads").paginate(Bucket=bucket, PaginationConfig={"PageSize": 1}) for u in p.get("Uploads", [])]
assert paged == [i for _, i in sorted(created)], paged
for key, upload in created:
    owner.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload)
assert owner.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
owner.delete_bucket(Bucket=bucket)

print("OK")
