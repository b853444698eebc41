// Starts the seed's Worker in Miniflare (Cloudflare's workerd runtime and R2 simulator) with an
// in-memory R2 bucket bound as MY_BUCKET, on a free loopback port. Prints one line
// "listening <url>" when ready, and stops when stdin closes (so it never outlives the tests).
import { Miniflare } from "miniflare";
import { fileURLToPath } from "node:url";

const mf = new Miniflare({
  modules: true,
  scriptPath: fileURLToPath(new URL("./worker.js", import.meta.url)),
  compatibilityDate: "2024-08-13",
  r2Buckets: ["MY_BUCKET"],
  host: "127.0.0.1",
  port: 0,
});

const url = await mf.ready;
process.stdout.write(`listening ${url.href}\n`);

const stop = async () => { await mf.dispose().catch(() => {}); process.exit(0); };
process.stdin.on("end", stop);
process.stdin.on("close", stop);
process.stdin.resume();
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
