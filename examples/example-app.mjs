// A tiny `import_clients` app: serves its client records page by page to the import backend
// and checks every request's signature (docs/security.md, "Signatures on requests to apps").
//   APP_CLIENT_SECRET=sk_… PORT=4000 node examples/example-app.mjs
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

// The signing key is the app's client_secret itself, as a UTF-8 string. (An app registered
// before signatures were keyed with the secret is signed with the SHA-256 hex of its secret
// until its secret is rotated with POST /platform/v1/apps/{app_code_name}/secret.)
const key = process.env.APP_CLIENT_SECRET ?? '';
if (!key) throw new Error('set APP_CLIENT_SECRET to the client_secret of the app');
const records = [
  { 'First Name': 'Ada', 'E-mail': 'ada@example.com', Mobile: '+39 347 111 2222' },
  { 'First Name': 'Ben', 'E-mail': 'ben@example.com', Mobile: '347 111 3333' },
  { 'First Name': 'Cy', 'E-mail': 'cy@example.com' },
];
const PAGE_SIZE = 2;

createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  // Signed: "GET " + the request target exactly as received (path and query, still encoded).
  const expected = `sha256=${createHmac('sha256', key).update(`GET ${req.url}`).digest('hex')}`;
  const given = String(req.headers['x-signature-256'] ?? '');
  if (
    given.length !== expected.length ||
    !timingSafeEqual(Buffer.from(given), Buffer.from(expected))
  ) {
    res.writeHead(401).end();
    return;
  }
  const page = Number(url.searchParams.get('page'));
  if (page === -1) {
    console.log(`import ${url.searchParams.get('session_id')} is over`);
    res.end('{}');
    return;
  }
  const data = records.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify({ data, has_more: page * PAGE_SIZE < records.length }));
}).listen(Number(process.env.PORT ?? 4000), () => console.log('example app listening'));
