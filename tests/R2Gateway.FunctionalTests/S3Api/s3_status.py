"""boto3 with retries off: runs the operations named on the command line (put:<key>, head:<key>) and
prints each answer's status, S3 error code and Retry-After, one line each."""
import os
import sys

import boto3
import botocore.exceptions
from botocore.config import Config

s3 = boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT"],
                  config=Config(signature_version="s3v4", retries={"total_max_attempts": 1}))
bucket = os.environ["S3_BUCKET"]
for op in sys.argv[1:]:
    verb, key = op.split(":", 1)
    try:
        if verb == "put":
            r = s3.put_object(Bucket=bucket, Key=key, Body=b"limited")
        else:
            r = s3.head_object(Bucket=bucket, Key=key)
        meta = r["ResponseMetadata"]
        print(meta["HTTPStatusCode"], "OK", meta["HTTPHeaders"].get("retry-after", "-"))
    except botocore.exceptions.ClientError as e:
        meta = e.response["ResponseMetadata"]
        print(meta["HTTPStatusCode"], e.response["Error"].get("Code"), meta["HTTPHeaders"].get("retry-after", "-"))
