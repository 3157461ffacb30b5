// End-to-end test of publishing (issue 14) in a real headless Chromium: the bundled site built
// for a sub-path and the offline copy, each crawled page by page.
//
// 1. Sub-path: `site build --base-url http://127.0.0.1:PORT/repo/`, served by a small static
//    server that answers only under /repo/ (like a project page on a static host). Every page is
//    visited breadth-first from /repo/; every href, src, form action and stylesheet url() that
//    is same-origin must be inside /repo/ and answer 200; every page is styled and loads without a
//    failed request or a console error. Then: alias pages land on their target, /repo/a/b/c/ is the
//    styled 404 page with status 404, the feed, sitemap, robots.txt, canonical, og:url and JSON-LD
//    URLs start with base_url, search lists the drinking article and its link works, and the
//    header search form of an article submits to /repo/search/?q=... and shows results.
// 2. Offline: `site build --offline`, opened from file://. Every local href/src/action/url() must
//    name a file that exists (never a folder), no request may fail, no console error; the
//    stylesheet applies; search and the header search form work; alias pages land.
//
// The site is built from a copy of SITE_ROOT; when no article has an alias, the copy gives
// content/alcohol/drinking-on-naltrexone.md `aliases: [/old-drinking/]` so redirects are tested.
// Prints what it checked per section and every failure, and exits 1 on any.
//
// Usage: node scripts/publish-e2e.mjs SITE_BINARY SITE_ROOT
// Needs playwright-core (NODE_PATH pointing at the frontend-check dependencies) and Chromium.
import { copySite } from './site-copy.mjs';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

const [binary, siteRoot] = process.argv.slice(2);
if (!binary || !siteRoot) {
  console.error('usage: node scripts/publish-e2e.mjs SITE_BINARY SITE_ROOT');
  process.exit(2);
}

const ARTICLE = '/alcohol/drinking-on-naltrexone/';
const ARTICLE_FILE = 'content/alcohol/drinking-on-naltrexone.md';
const ALIAS = '/old-drinking/';
const QUERY = 'drink';
const SPANISH_ARTICLE = '/es/alcohol/beber-alcohol-con-naltrexona/';
const SPANISH_QUERIES = [
  ['beber', SPANISH_ARTICLE],
  ['embarazo', '/es/vivir-con-naltrexona/embarazo-y-lactancia/'],
  ['inyeccion', '/es/tratamiento/vivitrol-la-inyeccion-mensual/'],
];
const RESULTS = '#search-results:not([hidden]) li a';
const TIMEOUT = 15000;

// Failures by message, each with the pages it was seen on: a broken link in a template shows
// once with its pages, not once a page. Only a message's first sighting prints as it happens.
const failures = new Map();
const prefixes = [];
const short = (where) => prefixes.reduce((w, p) => (w.startsWith(p) ? w.slice(p.length) || '/' : w), where);
const fail = (section, message, where = '') => {
  const key = `${section}: ${message}`;
  if (!failures.has(key)) {
    failures.set(key, []);
    console.error(`   FAIL ${key}${where ? ` (on ${short(where)})` : ''}`);
  }
  if (where && !failures.get(key).includes(where)) failures.get(key).push(where);
};
const step = (name) => console.log(`== ${name}`);
const summary = [];

// ---------------------------------------------------------------------------------------------
// The site copy, with an alias when the content has none.
const work = mkdtempSync(join(tmpdir(), 'publish-e2e-'));
const site = join(work, 'site');
copySite(siteRoot, site);
const files = (dir) => readdirSync(dir, { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile()).map((e) => join(e.parentPath ?? e.path, e.name));
const frontMatter = (text) => text.match(/^---\n([\s\S]*?)\n---/)?.[1] ?? '';
const hasAliases = files(join(site, 'content'))
  .some((f) => f.endsWith('.md') && /^aliases:/m.test(frontMatter(readFileSync(f, 'utf8'))));
let addedAlias = false;
if (!hasAliases) {
  const file = join(site, ARTICLE_FILE);
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, text.replace(/^(title:.*)$/m, `$1\naliases: [${ALIAS}]`));
  addedAlias = true;
}
const configuredBase = readFileSync(join(site, 'site.yaml'), 'utf8').match(/^base_url:\s*["']?([^"'\s]+)/m)?.[1]?.replace(/\/$/, '') ?? '';

function build(args, output) {
  const start = performance.now();
  const run = spawnSync(binary, ['--root', site, 'build', ...args, '--output', output], { encoding: 'utf8' });
  const ms = performance.now() - start;
  if (run.status !== 0) throw new Error(`site build ${args.join(' ')} failed (exit ${run.status}):\n${run.stdout}${run.stderr}`);
  console.log(`   site build ${args.join(' ')}: ${ms.toFixed(0)} ms`);
  return ms;
}

// Every .html output, by its path in the folder (`alcohol/x/index.html`); alias pages apart.
function htmlOutputs(dir) {
  const pages = [], aliases = [];
  for (const f of files(dir)) {
    if (!f.endsWith('.html')) continue;
    const rel = relative(dir, f).split(sep).join('/');
    (/<meta http-equiv="refresh"/i.test(readFileSync(f, 'utf8')) ? aliases : pages).push(rel);
  }
  return { pages: pages.sort(), aliases: aliases.sort() };
}

// ---------------------------------------------------------------------------------------------
// A static host that serves `root` only under `prefix` (`/repo/`).
const types = { '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8', '.json': 'application/json', '.svg': 'image/svg+xml',
  '.xml': 'application/xml', '.txt': 'text/plain; charset=utf-8', '.png': 'image/png',
  '.jpg': 'image/jpeg', '.webp': 'image/webp', '.ico': 'image/x-icon', '.woff2': 'font/woff2' };
function staticHost(prefix) {
  const state = { root: null, outside: [], onOutside: null };
  const server = createServer((req, res) => {
    const send = (status, file, headers = {}) => {
      const body = file && existsSync(file) ? readFileSync(file) : Buffer.from('Not found');
      res.writeHead(status, { 'content-type': types[extname(file || '')] || 'text/plain', 'cache-control': 'no-cache', ...headers });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    const notFound = () => send(404, join(state.root, '404.html'));
    let path;
    try { path = decodeURIComponent(new URL(req.url, 'http://host').pathname); } catch { res.writeHead(400); return res.end(); }
    if (path.split('/').includes('..') || path.includes('\0')) { res.writeHead(403); return res.end(); }
    if (path === prefix.slice(0, -1)) { res.writeHead(301, { location: prefix }); return res.end(); }
    if (!path.startsWith(prefix)) { state.onOutside?.(req.url, req.headers.referer); return notFound(); }
    let file = join(state.root, path.slice(prefix.length));
    if (!existsSync(file)) return notFound();
    if (statSync(file).isDirectory()) {
      if (!path.endsWith('/')) { res.writeHead(301, { location: `${path}/` }); return res.end(); }
      file = join(file, 'index.html');
      if (!existsSync(file)) return notFound();
    }
    return send(200, file);
  });
  return { server, state };
}

// ---------------------------------------------------------------------------------------------
// What a page links to, as written, plus what the checks need to read from it.
function readPage() {
  const links = [];
  for (const el of document.querySelectorAll('[href], [src], [srcset], form[action]')) {
    const tag = el.tagName.toLowerCase();
    for (const attr of ['href', 'src', 'action']) {
      if (el.hasAttribute(attr) && (attr !== 'action' || tag === 'form')) links.push({ tag, attr, value: el.getAttribute(attr), rel: el.getAttribute('rel') || '' });
    }
    if (el.hasAttribute('srcset')) {
      for (const part of el.getAttribute('srcset').split(',')) {
        const value = part.trim().split(/\s+/)[0];
        if (value) links.push({ tag, attr: 'srcset', value, rel: '' });
      }
    }
  }
  const body = getComputedStyle(document.body);
  return {
    links,
    styles: [...document.querySelectorAll('style')].map((s) => s.textContent),
    inlineStyles: [...document.querySelectorAll('[style]')].map((s) => s.getAttribute('style')),
    canonical: document.querySelector('link[rel="canonical"]')?.getAttribute('href') ?? null,
    ogUrl: document.querySelector('meta[property="og:url"]')?.getAttribute('content') ?? null,
    jsonLd: [...document.querySelectorAll('script[type="application/ld+json"]')].map((s) => s.textContent),
    style: { fontFamily: body.fontFamily, backgroundColor: body.backgroundColor, color: body.color, margin: body.margin },
    h1: document.querySelector('h1')?.textContent.trim() ?? '',
  };
}

// The url() references of a stylesheet's text, as written.
const cssUrls = (css) => [...css.matchAll(/url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)/g)]
  .map((m) => m[1] ?? m[2] ?? m[3]).filter((u) => u && !u.startsWith('data:') && !u.startsWith('#'));

// Every string in a JSON-LD value that looks like a URL, with the key it sits under.
function jsonUrls(value, key = '', out = []) {
  if (typeof value === 'string') {
    if (/^(https?:)?\/\//.test(value) || (value.startsWith('/') && /url|id|item|logo|image|mainEntity/i.test(key))) out.push({ key, value });
  } else if (Array.isArray(value)) value.forEach((v) => jsonUrls(v, key, out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) jsonUrls(v, k, out);
  return out;
}

const isStyled = (style, plain) => style.fontFamily !== plain.fontFamily || style.backgroundColor !== plain.backgroundColor;
const withoutHash = (url) => { const u = new URL(url); u.hash = ''; return u.href; };

// One tab that records failed requests, HTTP errors of subresources and console errors.
async function openTab(browser) {
  const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
  const events = { failed: [], errors: [], bad: [] };
  // Each page waits for its open requests to finish before the next navigation. Chromium fetches a page's icon after the load event, and the next navigation aborts that
  // fetch (net::ERR_ABORTED): not a failure. Whether the icon file exists is checked as a link.
  const inflight = new Set();
  let settle = null;
  const done = (r) => { inflight.delete(r); if (!inflight.size && settle) settle(); };
  page.on('request', (r) => inflight.add(r));
  page.on('requestfinished', done);
  page.on('requestfailed', (r) => {
    const why = r.failure()?.errorText ?? '';
    if (!(why === 'net::ERR_ABORTED' && /\/favicon[^/]*$/.test(new URL(r.url()).pathname))) events.failed.push(`${r.url()} (${why})`);
    done(r);
  });
  page.on('pageerror', (e) => events.errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') events.errors.push(`${m.text()} [${m.location()?.url ?? ''}]`); });
  page.on('response', (r) => { if (r.status() >= 400 && r.request().frame() === page.mainFrame() && !r.request().isNavigationRequest()) events.bad.push(`${r.url()} (HTTP ${r.status()})`); });
  // Resolves once no request is open; after TIMEOUT it gives up and names the open ones.
  const idle = () => new Promise((resolve) => {
    if (!inflight.size) return resolve();
    const timer = setTimeout(() => {
      events.failed.push(`still open after ${TIMEOUT} ms: ${[...inflight].map((r) => r.url()).join(', ')}`);
      settle = null;
      resolve();
    }, TIMEOUT);
    settle = () => { clearTimeout(timer); settle = null; resolve(); };
  });
  const drain = () => ({ failed: events.failed.splice(0), errors: events.errors.splice(0), bad: events.bad.splice(0) });
  const goto = (url, options) => page.goto(url, { timeout: TIMEOUT, ...options });
  return { page, drain, idle, goto };
}

// Breadth-first over every page reached from `start` by same-site HTML links, then over every
// HTML output not reached that way. `checkLink(link, seen)` judges one link (its resolved URL and
// the page it is written on) and says whether it is a page to visit or a stylesheet to read.
async function crawl(section, tab, { start, plain, seeds, checkLink, checkPage, cssText, pageKey }) {
  const visited = new Set();
  const queue = [start];
  const seen = new Map();
  const cssSeen = new Set();
  let links = 0;
  let inCss = 0;
  const visit = async (url) => {
    tab.drain();
    let response;
    try {
      response = await tab.goto(url, { waitUntil: 'load' });
    } catch (e) {
      fail(section, `did not load: ${e.message.split('\n')[0]}`, url);
      return;
    }
    if (response && response.status() !== 200) fail(section, `HTTP ${response.status()}, expected 200`, url);
    await tab.idle();
    const info = await tab.page.evaluate(readPage);
    const events = tab.drain();
    for (const f of events.failed) fail(section, `request failed: ${f}`, url);
    for (const b of events.bad) fail(section, `${b}`, url);
    for (const e of events.errors) fail(section, `console error: ${e}`, url);
    if (!isStyled(info.style, plain)) fail(section, `the stylesheet does not apply (body ${JSON.stringify(info.style)})`, url);
    checkPage?.(url, info);
    const base = tab.page.url();
    const written = [...info.links];
    for (const css of [...info.styles, ...info.inlineStyles]) for (const value of cssUrls(css)) written.push({ tag: 'style', attr: 'url()', value, rel: '' });
    for (const link of written) {
      links++;
      let resolved;
      try { resolved = new URL(link.value, base).href; } catch { fail(section, `<${link.tag} ${link.attr}="${link.value}"> is not a valid URL`, url); continue; }
      const verdict = await checkLink({ ...link, url: resolved, page: url }, seen);
      if (verdict?.page) {
        const key = pageKey(resolved);
        if (key && !visited.has(key) && !queue.includes(key)) queue.push(key);
      }
      if (verdict?.stylesheet && !cssSeen.has(resolved)) {
        cssSeen.add(resolved);
        const text = await cssText(resolved);
        for (const value of cssUrls(text ?? '')) {
          links++;
          inCss++;
          await checkLink({ tag: 'css', attr: 'url()', value, rel: '', url: new URL(value, resolved).href, page: resolved }, seen);
        }
      }
    }
  };
  while (queue.length) {
    const url = queue.shift();
    visited.add(url);
    await visit(url);
  }
  const unlinked = seeds.filter((u) => !visited.has(u));
  for (const url of unlinked) { visited.add(url); await visit(url); }
  return { pages: visited.size, links, unique: seen.size, unlinked, stylesheets: cssSeen.size, inCss };
}

// ---------------------------------------------------------------------------------------------
let browser;
const host = staticHost('/repo/');
try {
  browser = await chromium.launch({
    executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  // The browser's own style of a bare page, to tell a styled page from an unstyled one.
  const blank = await browser.newPage();
  await blank.setContent('<!doctype html><html><body><p>x</p></body></html>');
  const plain = await blank.evaluate(() => { const s = getComputedStyle(document.body); return { fontFamily: s.fontFamily, backgroundColor: s.backgroundColor }; });
  await blank.close();
  console.log(`   the site copy: ${addedAlias ? `alias ${ALIAS} added to ${ARTICLE_FILE}` : 'its own aliases'}`);

  // -------------------------------------------------------------------------------------------
  {
    const S = 'sub-path';
    step('1. sub-path: a build for http://127.0.0.1:PORT/repo/ served only under /repo/');
    const t0 = performance.now();
    await new Promise((resolve) => host.server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${host.server.address().port}`;
    const baseUrl = `${origin}/repo/`;
    prefixes.push(origin);
    const out = join(work, 'subpath');
    host.state.root = out;
    const buildMs = build(['--base-url', baseUrl], out);
    const { pages: outputs, aliases } = htmlOutputs(out);
    console.log(`   serving ${out} at ${baseUrl}; ${files(out).length} files, ${outputs.length} pages, ${aliases.length} alias page(s)`);
    const status = new Map();
    const fetchStatus = async (url) => {
      if (!status.has(url)) {
        const r = await fetch(url, { redirect: 'manual' });
        status.set(url, { code: r.status, type: r.headers.get('content-type') || '', text: await r.text() });
      }
      return status.get(url);
    };
    const underBase = (value, what, where) => {
      if (!value.startsWith(baseUrl)) fail(S, `${what} ${value} does not start with base_url ${baseUrl}`, where);
    };
    const tab = await openTab(browser);
    let phase = 'the crawl';
    host.state.onOutside = (url, referer) => host.state.outside.push(`${url} (during ${phase}${referer ? `, referer ${referer}` : ''})`);
    const checkLink = async (link, seen) => {
      const u = new URL(link.url);
      if (u.origin !== origin) {
        if (!/^(https?|mailto|tel):$/.test(u.protocol)) fail(S, `<${link.tag} ${link.attr}="${link.value}"> has an unexpected scheme`, link.page);
        return null;
      }
      const key = withoutHash(link.url);
      if (!seen.has(key)) seen.set(key, link.page);
      if (!u.pathname.startsWith('/repo/')) {
        fail(S, `<${link.tag} ${link.attr}="${link.value}"> leaves the base path: ${u.pathname} is outside /repo/`, link.page);
        return null;
      }
      const r = await fetchStatus(key);
      if (r.code !== 200) {
        fail(S, `<${link.tag} ${link.attr}="${link.value}"> answers HTTP ${r.code}${r.code === 404 ? ' (no such file)' : ''}`, link.page);
        return null;
      }
      return { page: r.type.startsWith('text/html') && !u.search, stylesheet: link.tag === 'link' && /\bstylesheet\b/.test(link.rel) };
    };
    const meta = { canonical: 0, jsonLd: 0 };
    const checkPage = (url, info) => {
      for (const [what, value] of [['canonical', info.canonical], ['og:url', info.ogUrl]]) if (value !== null) { meta.canonical++; underBase(value, what, url); }
      for (const text of info.jsonLd) {
        let data;
        try { data = JSON.parse(text); } catch (e) { fail(S, `JSON-LD does not parse: ${e.message}`, url); continue; }
        for (const { key, value } of jsonUrls(data)) {
          const abs = /^https?:\/\//.test(value);
          const ours = !abs || value.startsWith(origin) || (configuredBase && value.startsWith(configuredBase));
          if (ours) { meta.jsonLd++; underBase(value, `JSON-LD "${key}"`, url); }
        }
      }
    };
    const crawled = await crawl(S, tab, {
      start: baseUrl, plain, checkLink, checkPage,
      seeds: outputs.filter((p) => p !== '404.html').map((p) => baseUrl + p.replace(/index\.html$/, '')),
      cssText: async (url) => (await fetchStatus(url)).text,
      pageKey: (url) => withoutHash(url),
    });
    for (const u of crawled.unlinked) console.log(`   note: ${u} is not linked from any page (crawled anyway)`);
    console.log(`   crawl: ${crawled.pages} pages, ${crawled.links} links checked (${crawled.unique} distinct same-origin URLs; ${crawled.inCss} url() to files in ${crawled.stylesheets} stylesheet(s)), ${meta.canonical} canonical/og:url and ${meta.jsonLd} JSON-LD URLs under base_url`);

    // Alias pages land on their target.
    for (const rel of aliases) {
      const from = baseUrl + rel.replace(/index\.html$/, '');
      phase = `the alias page ${from}`;
      const target = readFileSync(join(out, rel), 'utf8').match(/http-equiv="refresh" content="0; url=([^"]*)"/)?.[1]?.replace(/&amp;/g, '&');
      if (!target) { fail(S, `${from}: the alias page has no refresh target`); continue; }
      const expected = new URL(target, from).href;
      underBase(expected, 'alias target', from);
      if (addedAlias && rel === `${ALIAS.slice(1)}index.html` && expected !== baseUrl + ARTICLE.slice(1)) fail(S, `${from}: refreshes to ${expected}, expected ${baseUrl}${ARTICLE.slice(1)}`);
      try {
        await tab.goto(from);
        await tab.page.waitForURL(expected, { timeout: TIMEOUT });
        await tab.page.waitForSelector('h1', { timeout: TIMEOUT });
        await tab.idle();
        console.log(`   alias ${from.slice(origin.length)} -> ${tab.page.url().slice(origin.length)}`);
      } catch (e) {
        fail(S, `${from}: the alias page did not land on ${expected} (at ${tab.page.url()}): ${e.message.split('\n')[0]}`);
      }
    }
    if (addedAlias && !aliases.includes(`${ALIAS.slice(1)}index.html`)) fail(S, `no alias page at ${ALIAS} although ${ARTICLE_FILE} declares it`);
    tab.drain();

    // A missing page inside the base path: the styled 404 page, status 404.
    {
      const url = `${baseUrl}a/b/c/`;
      phase = `the 404 page ${url}`;
      const response = await tab.goto(url, { waitUntil: 'load' });
      if (response.status() !== 404) fail(S, `HTTP ${response.status()}, expected 404`, url);
      await tab.idle();
      const info = await tab.page.evaluate(readPage);
      const events = tab.drain();
      for (const f of events.failed) fail(S, `404 page: request failed: ${f}`, url);
      for (const b of events.bad) fail(S, `404 page: ${b}`, url);
      for (const e of events.errors) if (!e.includes(`[${url}]`)) fail(S, `404 page: console error: ${e}`, url);
      if (!/not found/i.test(info.h1)) fail(S, `not the site's 404 page (h1 "${info.h1}")`, url);
      if (!isStyled(info.style, plain)) fail(S, `the 404 page is not styled (body ${JSON.stringify(info.style)}; the browser's default is ${JSON.stringify(plain)})`, url);
      for (const link of info.links.filter((l) => !l.value.startsWith('#'))) {
        const resolved = new URL(link.value, url).href;
        await checkLink({ ...link, url: resolved, page: `${url} (404 page)` }, new Map());
      }
      console.log(`   ${url.slice(origin.length)}: HTTP ${response.status()}, "${info.h1}", body font ${info.style.fontFamily.split(',')[0]}, background ${info.style.backgroundColor}`);
    }

    // Feed, sitemap, robots.txt: every URL of ours is absolute under base_url.
    {
      const feed = (await fetchStatus(`${baseUrl}atom.xml`)).text;
      const feedUrls = [...feed.matchAll(/<link[^>]*href="([^"]*)"/g)].map((m) => m[1])
        .concat([...feed.matchAll(/<(?:id|uri|icon|logo)>([^<]*)</g)].map((m) => m[1]).filter((v) => !v.startsWith('urn:') && !v.startsWith('tag:')));
      if (!feedUrls.length) fail(S, 'atom.xml: no URLs found');
      for (const v of feedUrls) underBase(v.replace(/&amp;/g, '&'), 'feed URL', 'atom.xml');
      // Links inside the entries' HTML must not be root-relative (a reader resolves them against
      // the feed's host, not its base path).
      const content = feed.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
      let inContent = 0;
      for (const m of content.matchAll(/<content[^>]*>([\s\S]*?)<\/content>/g)) {
        for (const h of m[1].matchAll(/(?:href|src)="([^"]*)"/g)) {
          inContent++;
          if (h[1].startsWith('/') && !h[1].startsWith('//') && !h[1].startsWith('/repo/')) fail(S, `atom.xml: an entry links to ${h[1]}, outside the base path`);
          if (h[1].startsWith(origin)) underBase(h[1], 'feed entry link', 'atom.xml');
        }
      }
      const sitemap = (await fetchStatus(`${baseUrl}sitemap.xml`)).text;
      const locs = [...sitemap.matchAll(/<loc>([^<]*)<\/loc>/g)].map((m) => m[1].replace(/&amp;/g, '&'));
      if (!locs.length) fail(S, 'sitemap.xml: no <loc>');
      for (const loc of locs) {
        underBase(loc, 'sitemap <loc>', 'sitemap.xml');
        if (loc.startsWith(baseUrl) && (await fetchStatus(loc)).code !== 200) fail(S, `sitemap.xml: ${loc} answers HTTP ${(await fetchStatus(loc)).code}`);
      }
      const robots = (await fetchStatus(`${baseUrl}robots.txt`)).text;
      for (const m of robots.matchAll(/^sitemap:\s*(\S+)/gim)) underBase(m[1], 'robots.txt Sitemap', 'robots.txt');
      console.log(`   feed: ${feedUrls.length} URLs (+${inContent} in entries), sitemap: ${locs.length} <loc>, checked against ${baseUrl}`);
    }

    // Search on /repo/search/, then from an article's header form.
    const articleUrl = baseUrl + ARTICLE.slice(1);
    phase = 'search';
    const findArticle = () => tab.page.$$eval(RESULTS, (as, want) => as.find((a) => a.href === want)?.getAttribute('href') ?? null, articleUrl);
    try {
      await tab.goto(`${baseUrl}search/`, { waitUntil: 'load' });
      const t = performance.now();
      await tab.page.locator('main #q').pressSequentially(QUERY);
      await tab.page.waitForSelector(RESULTS, { timeout: TIMEOUT });
      const count = await tab.page.locator(RESULTS).count();
      const href = await findArticle();
      if (!href) {
        const got = await tab.page.$$eval(RESULTS, (as) => as.map((a) => a.href));
        fail(S, `search "${QUERY}" on ${baseUrl}search/: ${articleUrl} is not among the ${count} results (${got.slice(0, 5).join(', ')}...)`);
      } else {
        console.log(`   search "${QUERY}": ${count} results ${(performance.now() - t).toFixed(0)} ms after the first keystroke, the article among them (href="${href}")`);
        await Promise.all([tab.page.waitForURL(articleUrl, { timeout: TIMEOUT }), tab.page.click(`${RESULTS}[href="${href}"]`)]);
        const h1 = await tab.page.textContent('h1');
        if (!h1) fail(S, `the search result ${href} opened a page without a title`);
        console.log(`   clicked the result: ${tab.page.url().slice(origin.length)} "${h1.trim()}"`);
      }
    } catch (e) {
      fail(S, `search "${QUERY}" on ${baseUrl}search/: no results appeared: ${e.message.split('\n')[0]}`);
    }
    try {
      await tab.goto(articleUrl, { waitUntil: 'load' });
      await tab.page.fill('#header-q', QUERY);
      await Promise.all([tab.page.waitForURL((u) => u.pathname === '/repo/search/', { timeout: TIMEOUT }), tab.page.press('#header-q', 'Enter')]);
      const landed = tab.page.url();
      if (landed !== `${baseUrl}search/?q=${QUERY}`) fail(S, `the header search form on ${articleUrl} went to ${landed}, expected ${baseUrl}search/?q=${QUERY}`);
      await tab.page.waitForSelector(RESULTS, { timeout: TIMEOUT });
      if (!(await findArticle())) fail(S, `the header search form's results (${landed}) do not list ${articleUrl}`);
      console.log(`   header search form -> ${landed.slice(origin.length)}: ${await tab.page.locator(RESULTS).count()} results`);
    } catch (e) {
      fail(S, `the header search form on ${articleUrl}: ${e.message.split('\n')[0]} (at ${tab.page.url()})`);
    }
    // The Spanish edition: the language switcher there and back, and Spanish search (stems and
    // accents: "beber" finds the drinking article, "embarazo" the pregnancy one, "inyeccion" the
    // Vivitrol one).
    phase = 'languages';
    try {
      await tab.goto(articleUrl, { waitUntil: 'load' });
      const switcher = '.lang-switch a[hreflang="es"]';
      await Promise.all([tab.page.waitForURL((u) => u.pathname.startsWith('/repo/es/'), { timeout: TIMEOUT }), tab.page.click(switcher)]);
      const spanish = tab.page.url();
      const lang = await tab.page.getAttribute('html', 'lang');
      if (spanish !== `${baseUrl}${SPANISH_ARTICLE.slice(1)}` || lang !== 'es') fail(S, `the switcher on ${articleUrl} went to ${spanish} (lang=${lang}), expected ${baseUrl}${SPANISH_ARTICLE.slice(1)} in Spanish`);
      await Promise.all([tab.page.waitForURL(articleUrl, { timeout: TIMEOUT }), tab.page.click('.lang-switch a[hreflang="en"]')]);
      console.log(`   switcher: ${ARTICLE} -> ${spanish.slice(origin.length)} (lang=${lang}) -> back to ${tab.page.url().slice(origin.length)}`);
    } catch (e) {
      fail(S, `the language switcher on ${articleUrl}: ${e.message.split('\n')[0]} (at ${tab.page.url()})`);
    }
    for (const [query, want] of SPANISH_QUERIES) {
      try {
        await tab.goto(`${baseUrl}es/buscar/?q=${encodeURIComponent(query)}`, { waitUntil: 'load' });
        await tab.page.waitForSelector(RESULTS, { timeout: TIMEOUT });
        const got = await tab.page.$$eval(RESULTS, (as) => as.map((a) => a.href));
        if (!got.includes(baseUrl + want.slice(1))) fail(S, `Spanish search "${query}": ${want} is not among ${got.length} results (${got.slice(0, 5).join(', ')})`);
        else if (got.some((u) => !u.startsWith(`${baseUrl}es/`))) fail(S, `Spanish search "${query}" lists a page outside /es/: ${got.find((u) => !u.startsWith(`${baseUrl}es/`))}`);
        else console.log(`   Spanish search "${query}": ${got.length} results, ${want} at ${got.indexOf(baseUrl + want.slice(1)) + 1}`);
      } catch (e) {
        fail(S, `Spanish search "${query}" on ${baseUrl}es/buscar/: no results appeared: ${e.message.split('\n')[0]}`);
      }
    }
    await tab.idle();
    const events = tab.drain();
    for (const f of events.failed) fail(S, `search: request failed: ${f}`);
    for (const b of events.bad) fail(S, `search: ${b}`);
    for (const e of events.errors) fail(S, `search: console error: ${e}`);
    for (const u of host.state.outside) {
      // With no <link rel="icon">, Chromium asks the host's root for /favicon.ico by itself.
      if (u.startsWith('/favicon.ico ') && aliases.some((rel) => u.includes(`referer ${baseUrl}${rel.replace(/index\.html$/, '')})`))) console.log(`   note: the browser asked for ${u}, outside /repo/: that page has no <link rel="icon">`);
      else fail(S, `the browser asked for ${u}, outside /repo/`);
    }
    await tab.page.close();
    const ms = performance.now() - t0;
    summary.push(`sub-path: ${crawled.pages} pages, ${crawled.links} links (${crawled.unique} distinct URLs), ${aliases.length} alias(es), build ${buildMs.toFixed(0)} ms, total ${(ms / 1000).toFixed(1)} s`);
  }

  // -------------------------------------------------------------------------------------------
  {
    const S = 'offline';
    step('2. offline: a build with --offline opened from file://');
    const t0 = performance.now();
    const out = join(work, 'offline');
    const buildMs = build(['--offline'], out);
    const { pages: outputs, aliases } = htmlOutputs(out);
    const root = pathToFileURL(`${out}/`).href;
    prefixes.push(root);
    console.log(`   ${root}: ${files(out).length} files, ${outputs.length} pages, ${aliases.length} alias page(s)`);
    const tab = await openTab(browser);
    const fileOf = (url) => { const u = new URL(url); u.search = ''; u.hash = ''; return fileURLToPath(u); };
    const checkLink = async (link, seen) => {
      if (/^(https?:|mailto:|tel:)/i.test(link.value) || link.value.startsWith('#')) return null;
      const u = new URL(link.url);
      if (u.protocol !== 'file:') {
        fail(S, `<${link.tag} ${link.attr}="${link.value}"> resolves to ${link.url}, not a file`, link.page);
        return null;
      }
      const key = withoutHash(link.url);
      if (!seen.has(key)) seen.set(key, link.page);
      if (link.value.startsWith('/')) {
        fail(S, `<${link.tag} ${link.attr}="${link.value}"> is root-absolute (from file:// it names the disk's root)`, link.page);
        return null;
      }
      const path = fileOf(link.url);
      if (!path.startsWith(out)) fail(S, `<${link.tag} ${link.attr}="${link.value}"> leaves the offline folder (${path})`, link.page);
      const bare = link.value.replace(/[?#].*$/, '');
      if (bare === '' || bare.endsWith('/') || (existsSync(path) && statSync(path).isDirectory())) {
        fail(S, `<${link.tag} ${link.attr}="${link.value}"> points at a folder; from file:// it must name index.html`, link.page);
        return null;
      }
      if (!existsSync(path)) {
        fail(S, `<${link.tag} ${link.attr}> names ${relative(out, path)}, which does not exist`, `${link.page} (${link.attr}="${link.value}")`);
        return null;
      }
      return { page: path.endsWith('.html'), stylesheet: link.tag === 'link' && /\bstylesheet\b/.test(link.rel) };
    };
    const checkPage = (url, info) => {
      if (info.canonical !== null && configuredBase && !info.canonical.startsWith(configuredBase)) fail(S, `canonical ${info.canonical} does not name base_url ${configuredBase}`, url);
    };
    const crawled = await crawl(S, tab, {
      start: `${root}index.html`, plain, checkLink, checkPage,
      seeds: outputs.map((p) => root + p),
      cssText: async (url) => readFileSync(fileOf(url), 'utf8'),
      pageKey: (url) => { const u = new URL(url); u.search = ''; u.hash = ''; return u.href; },
    });
    for (const u of crawled.unlinked) console.log(`   note: ${u.slice(root.length)} is not linked from any page (crawled anyway)`);
    console.log(`   crawl: ${crawled.pages} pages, ${crawled.links} links checked (${crawled.unique} distinct local files; ${crawled.inCss} url() to files in ${crawled.stylesheets} stylesheet(s))`);

    for (const rel of aliases) {
      const from = root + rel;
      const target = readFileSync(join(out, rel), 'utf8').match(/http-equiv="refresh" content="0; url=([^"]*)"/)?.[1]?.replace(/&amp;/g, '&');
      if (!target) { fail(S, `${rel}: the alias page has no refresh target`); continue; }
      const expected = new URL(target, from).href;
      if (!expected.startsWith(root) || !existsSync(fileOf(expected)) || statSync(fileOf(expected)).isDirectory()) {
        fail(S, `${rel}: the alias page refreshes to "${target}", which is not a file of the offline copy`);
        continue;
      }
      try {
        await tab.goto(from);
        await tab.page.waitForURL(expected, { timeout: TIMEOUT });
        await tab.page.waitForSelector('h1', { timeout: TIMEOUT });
        await tab.idle();
        console.log(`   alias ${rel} -> ${tab.page.url().slice(root.length)}`);
      } catch (e) {
        fail(S, `${rel}: the alias page did not land on ${expected} (at ${tab.page.url()}): ${e.message.split('\n')[0]}`);
      }
    }
    tab.drain();

    const searchUrl = `${root}search/index.html`;
    const articleUrl = `${root}${ARTICLE.slice(1)}index.html`;
    const findArticle = () => tab.page.$$eval(RESULTS, (as, want) => as.find((a) => a.href === want)?.getAttribute('href') ?? null, articleUrl);
    try {
      await tab.goto(searchUrl, { waitUntil: 'load' });
      if (!(await tab.page.evaluate(() => typeof (window.siteSearch && window.siteSearch.add) === 'function'))) fail(S, `${searchUrl}: window.siteSearch is not set (search.js did not load)`);
      const t = performance.now();
      await tab.page.locator('main #q').pressSequentially(QUERY);
      await tab.page.waitForSelector(RESULTS, { timeout: TIMEOUT });
      const count = await tab.page.locator(RESULTS).count();
      const href = await findArticle();
      if (!href) {
        const got = await tab.page.$$eval(RESULTS, (as) => as.map((a) => a.getAttribute('href')));
        fail(S, `search "${QUERY}" on search/index.html: ${articleUrl} is not among the ${count} results (${got.slice(0, 5).join(', ')}...)`);
      } else {
        console.log(`   search "${QUERY}": ${count} results ${(performance.now() - t).toFixed(0)} ms after the first keystroke, the article among them (href="${href}")`);
        await Promise.all([tab.page.waitForURL(articleUrl, { timeout: TIMEOUT }), tab.page.click(`${RESULTS}[href="${href}"]`)]);
        const h1 = await tab.page.textContent('h1');
        if (!h1) fail(S, `the search result ${href} opened a page without a title`);
        console.log(`   clicked the result: ${tab.page.url().slice(root.length)} "${h1.trim()}"`);
      }
    } catch (e) {
      fail(S, `search "${QUERY}" on ${searchUrl}: no results appeared: ${e.message.split('\n')[0]}`);
    }
    try {
      await tab.goto(articleUrl, { waitUntil: 'load' });
      await tab.page.fill('#header-q', QUERY);
      await Promise.all([tab.page.waitForURL((u) => u.href.startsWith(searchUrl), { timeout: TIMEOUT }), tab.page.press('#header-q', 'Enter')]);
      const landed = tab.page.url();
      if (landed !== `${searchUrl}?q=${QUERY}`) {
        fail(S, `the header search form on ${ARTICLE.slice(1)}index.html went to ${landed}, expected ${searchUrl}?q=${QUERY}${landed === searchUrl ? ' (Chromium dropped the query on file://)' : ''}`);
      }
      await tab.page.waitForSelector(RESULTS, { timeout: TIMEOUT });
      if (!(await findArticle())) fail(S, `the header search form's results (${landed}) do not list the article`);
      const kept = new URL(landed).searchParams.get('q') === QUERY ? 'the query survives on file://' : 'the query was lost';
      console.log(`   header search form -> ${landed.slice(root.length)}: ${await tab.page.locator(RESULTS).count()} results (${kept})`);
    } catch (e) {
      fail(S, `the header search form on ${ARTICLE.slice(1)}index.html: ${e.message.split('\n')[0]} (at ${tab.page.url()})`);
    }
    await tab.idle();
    const events = tab.drain();
    for (const f of events.failed) fail(S, `search: request failed: ${f}`);
    for (const e of events.errors) fail(S, `search: console error: ${e}`);
    await tab.page.close();
    const ms = performance.now() - t0;
    summary.push(`offline: ${crawled.pages} pages, ${crawled.links} links (${crawled.unique} distinct files), ${aliases.length} alias(es), build ${buildMs.toFixed(0)} ms, total ${(ms / 1000).toFixed(1)} s`);
  }
} catch (e) {
  fail('publish end-to-end', `stopped early: ${e.stack || e.message}`);
} finally {
  if (browser) await browser.close();
  host.server.closeAllConnections();
  await new Promise((resolve) => (host.server.listening ? host.server.close(resolve) : resolve()));
  rmSync(work, { recursive: true, force: true });
}

console.log('== summary');
for (const line of summary) console.log(`   ${line}`);
if (failures.size) {
  console.error(`publish end-to-end: FAILED, ${failures.size} failure(s):`);
  for (const [message, where] of failures) {
    const on = where.length ? ` (on ${where.length === 1 ? '' : `${where.length} pages: `}${where.slice(0, 4).map(short).join(', ')}${where.length > 4 ? `, and ${where.length - 4} more` : ''})` : '';
    console.error(`  - ${message}${on}`);
  }
  process.exit(1);
}
console.log('publish end-to-end: passed');
