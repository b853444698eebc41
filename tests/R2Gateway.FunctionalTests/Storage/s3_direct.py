"""An independent S3 client (boto3) for the tests: reads what the gateway wrote, straight from the bucket.
usage: s3_direct.py get ENDPOINT BUCKET KEY | s3_direct.py lifecycle ENDPOINT BUCKET"""
import hashlib
import json
import sys

import boto3

command, endpoint, bucket = sys.argv[1:4]
s3 = boto3.client("s3", endpoint_url=endpoint)
if command == "get":
    response = s3.get_object(Bucket=bucket, Key=sys.argv[4])
    body = response["Body"].read()
    print(json.dumps({"md5": hashlib.md5(body).hexdigest(), "size": len(body), "etag": response["ETag"],
                      "contentType": response.get("ContentType")}))
elif command == "lifecycle":
    print(json.dumps(s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]))
else:
    sys.exit(f"unknown command {command}")
