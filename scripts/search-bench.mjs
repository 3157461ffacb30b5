// Bytes from page load to first results, in headless Chromium: for our search page
// (/search/?q=QUERY: the page, its stylesheet and script, the manifest, the shards the query
// needs and the files of the results on screen) and, when the built site has a `pagefind/`
// folder, for Pagefind's JavaScript API on a page of its own (pagefind.js, its WebAssembly, its
// entry, metadata, index chunks and the first 10 results' fragments, which is what its UI
// loads). Every byte is counted at the server, which sends files uncompressed, so the figures
// are uncompressed body sizes; the browser starts with an empty cache each time.
//
// Usage: node scripts/search-bench.mjs SITE_DIR QUERY...
// Needs playwright-core (NODE_PATH as in .ci/run) and Chromium.
import { readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

const [dir, ...queries] = process.argv.slice(2);
if (!dir || !queries.length) {
  console.error('usage: node scripts/search-bench.mjs SITE_DIR QUERY...');
  process.exit(2);
}
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json', '.svg': 'image/svg+xml', '.wasm': 'application/wasm',
};
const PAGEFIND_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Pagefind</title></head><body>
<script type="module">
const pagefind = await import('/pagefind/pagefind.js');
const q = new URLSearchParams(location.search).get('q');
const search = await pagefind.search(q);
const data = await Promise.all(search.results.slice(0, 10).map((r) => r.data()));
document.body.dataset.results = String(search.results.length);
document.body.dataset.first = data.length ? data[0].url : '';
</script></body></html>`;

let log = [];
const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  let body;
  let type = 'application/octet-stream';
  if (url.pathname === '/__pagefind.html') {
    body = Buffer.from(PAGEFIND_PAGE);
    type = TYPES['.html'];
  } else {
    let path = normalize(join(dir, decodeURIComponent(url.pathname)));
    try {
      if (statSync(path).isDirectory()) path = join(path, 'index.html');
      body = readFileSync(path);
      type = TYPES[extname(path)] || type;
    } catch {
      res.writeHead(404).end();
      log.push({ path: url.pathname, bytes: 0 });
      return;
    }
  }
  log.push({ path: url.pathname, bytes: body.length });
  res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({
  executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});

async function measure(what, url, ready, read) {
  const context = await browser.newContext();
  const page = await context.newPage();
  log = [];
  const t = performance.now();
  await page.goto(url);
  await page.waitForFunction(ready, null, { timeout: 60000 });
  const ms = performance.now() - t;
  const got = await read(page);
  const total = log.reduce((n, r) => n + r.bytes, 0);
  const groups = {};
  for (const r of log) {
    const key = r.path.replace(/\/[^/]*$/, '/') + (r.path.endsWith('/') ? '' : '*');
    groups[key] = groups[key] || { n: 0, bytes: 0 };
    groups[key].n++;
    groups[key].bytes += r.bytes;
  }
  console.log(`${what}: ${(total / 1024).toFixed(1)} KB in ${log.length} requests, ${ms.toFixed(0)} ms; ${got}`);
  for (const [k, g] of Object.entries(groups)) console.log(`    ${k.padEnd(28)} ${String(g.n).padStart(3)} x  ${(g.bytes / 1024).toFixed(1)} KB`);
  await context.close();
}

let hasPagefind = true;
try { statSync(join(dir, 'pagefind', 'pagefind.js')); } catch { hasPagefind = false; }
for (const q of queries) {
  await measure(`ours "${q}"`, `${origin}/search/?q=${encodeURIComponent(q)}`, () => document.querySelector('#search-results:not([hidden]) li') || /^No /.test(document.getElementById('search-status').textContent),
    async (page) => `${await page.locator('#search-results li').count()} shown; status: ${await page.textContent('#search-status')}`);
  if (hasPagefind) {
    await measure(`pagefind "${q}"`, `${origin}/__pagefind.html?q=${encodeURIComponent(q)}`, () => document.body.dataset.results !== undefined,
      async (page) => `${await page.getAttribute('body', 'data-results')} results, first ${await page.getAttribute('body', 'data-first')}`);
  }
}
await browser.close();
server.close();
