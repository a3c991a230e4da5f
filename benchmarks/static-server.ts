// The reference server of the benchmarks: a bare fastify serving, from memory, the exact bytes (and content type)
// fetched once from pactwatch's pages. Run as its own process, as the app is, so both are measured alike.
//   node --import tsx benchmarks/static-server.ts MANIFEST.json PORT
// MANIFEST: [{ "url": "/", "contentType": "text/html; charset=utf-8", "file": "/tmp/…/dashboard.bin" }, …]

import fs from 'node:fs';
import Fastify from 'fastify';

const [manifestFile, port] = process.argv.slice(2);
const routes = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as { url: string; contentType: string; file: string }[];
const app = Fastify({ logger: false });
for (const r of routes) {
  const body = fs.readFileSync(r.file);
  app.get(r.url, async (_request, reply) => reply.type(r.contentType).send(body));
}
await app.listen({ port: Number(port), host: '127.0.0.1' });
process.stdout.write('ready\n');
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
