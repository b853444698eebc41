// The @tus/server anchor of bench/run.sh: tus's own Node server with its file store.
// Usage: node tus-server.mjs <port> <directory>
import { Server } from '@tus/server';
import { FileStore } from '@tus/file-store';

const [port, directory] = process.argv.slice(2);
const server = new Server({ path: '/files', datastore: new FileStore({ directory }) });
server.listen({ host: '127.0.0.1', port: Number(port) }, () => console.log(`tus listening on ${port}`));
