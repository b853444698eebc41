// The AWS SDK for JavaScript v3 against the gateway's S3 endpoint: @aws-sdk/lib-storage's Upload
// (multipart, four parts in flight), then GetObject. Prints one JSON line for the test to check.
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";

const { S3_ENDPOINT: endpoint, S3_BUCKET: Bucket } = process.env;
const client = new S3Client({ endpoint, region: "auto", forcePathStyle: true }); // keys from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
const Key = `node/${randomBytes(8).toString("hex")}/big file.bin`;
const data = randomBytes(23 * 1024 * 1024 + 7);
const md5 = (b) => createHash("md5").update(b).digest("hex");

// A stream body, as an app uploading a file would give it: lib-storage cuts it into 5 MiB parts.
const upload = new Upload({
  client,
  params: { Bucket, Key, Body: Readable.from([data.subarray(0, 7 * 1024 * 1024), data.subarray(7 * 1024 * 1024)]) },
  queueSize: 4,
  partSize: 5 * 1024 * 1024,
});
const parts = new Set();
upload.on("httpUploadProgress", (p) => p.part && parts.add(p.part));
const done = await upload.done();

const got = await client.send(new GetObjectCommand({ Bucket, Key }));
const body = Buffer.from(await got.Body.transformToByteArray());
const head = await client.send(new HeadObjectCommand({ Bucket, Key }));
console.log(JSON.stringify({
  key: Key, etag: done.ETag, parts: parts.size, size: body.length, sameBytes: md5(body) === md5(data), headLength: head.ContentLength,
}));
