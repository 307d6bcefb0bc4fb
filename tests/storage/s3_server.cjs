// Starts the S3-protocol test server (@20minutes/s3rver, npm; it verifies SigV4 signatures with
// the fixed key pair S3RVER / S3RVER) on 127.0.0.1 at an ephemeral port, with the given buckets,
// and prints "listening PORT" once it accepts connections. Stops on SIGTERM.
// Usage: node --openssl-legacy-provider s3_server.cjs NODE_MODULES DATA_DIR BUCKET...
// With S3_TLS_KEY and S3_TLS_CERT (PEM paths) in the environment it serves HTTPS.
// (its ListObjectsV2 continuation tokens use DES, which OpenSSL 3 keeps in the legacy provider)
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const [nodeModules, directory, ...buckets] = process.argv.slice(2);
const S3rver = require(path.join(nodeModules, '@20minutes', 's3rver'));
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  serviceEndpoint: 'localhost',  // virtual-host requests: <bucket>.s3.localhost
  configureBuckets: buckets.map((name) => ({ name, configs: [] })),
  ...(process.env.S3_TLS_KEY
    ? { key: fs.readFileSync(process.env.S3_TLS_KEY), cert: fs.readFileSync(process.env.S3_TLS_CERT) }
    : {}),
});
server.run().then(
  ({ port }) => process.stdout.write(`listening ${port}\n`),
  (error) => { process.stderr.write(`${error.stack}\n`); process.exit(1); });
process.on('SIGTERM', () => server.close(() => process.exit(0)));
