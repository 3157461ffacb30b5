// End-to-end test of `site serve` in a real headless Chromium (issues 4 and 17):
// open an article, open a <details> on it, type into the search box and leave it focused,
// append a paragraph to its Markdown file and wait for the open tab to show it by itself (no
// reload by the test): the page is patched in place, so it is not reloaded, the scroll position,
// the open <details>, the focus, the typed text and the caret all stay. Then a stylesheet edit
// (a changed <head>) must reload the page instead. Break the front matter and wait for the error
// overlay naming the file, fix it and wait for the page to come back without the overlay.
// Prints the edit-to-visible times.
//
// Usage: node scripts/serve-e2e.mjs SITE_BINARY SITE_ROOT [ARTICLE_URL ARTICLE_FILE]
// Needs playwright-core (NODE_PATH pointing at the frontend-check dependencies) and Chromium.
import { copySite } from './site-copy.mjs';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

const [binary, siteRoot, articleUrl = '/alcohol/drinking-on-naltrexone/', articleFile = 'content/alcohol/drinking-on-naltrexone.md'] = process.argv.slice(2);
if (!binary || !siteRoot) {
  console.error('usage: node scripts/serve-e2e.mjs SITE_BINARY SITE_ROOT [ARTICLE_URL ARTICLE_FILE]');
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'serve-e2e-'));
copySite(siteRoot, work);
const file = join(work, articleFile);
// A <details> on the page, to show that an open one stays open across a patch.
writeFileSync(file, `${readFileSync(file, 'utf8')}\n<details id="e2e-details"><summary>More</summary>\n\nHidden text.\n\n</details>\n`);
const original = readFileSync(file, 'utf8');
// Port 0: the server binds a port the system picks and names it in its start-up line.
const server = spawn(binary, ['serve', '--port', '0'], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
let log = '';
server.stdout.on('data', (d) => { log += d; });
server.stderr.on('data', (d) => { log += d; });
let browser;
let failed = false;

const step = (name) => console.log(`== ${name}`);
const time = async (name, action, until) => {
  const start = performance.now();
  await action();
  await until();
  const ms = performance.now() - start;
  console.log(`   ${name}: ${ms.toFixed(0)} ms`);
  return ms;
};

try {
  const started = Date.now();
  while (!log.includes('serving http://')) {
    if (Date.now() - started > 30000) throw new Error(`the server did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const port = log.match(/serving http:\/\/127\.0\.0\.1:(\d+)\//)?.[1];
  if (!port) throw new Error(`no port in the start-up line:\n${log}`);
  const base = `http://127.0.0.1:${port}`;
  browser = await chromium.launch({
    executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(base + articleUrl, { waitUntil: 'load' });
  await page.waitForFunction(() => document.querySelector('h1'));
  const marker = `A paragraph the end-to-end test added ${Date.now()}.`;

  step('an appended paragraph appears in the open tab by itself, patched in place');
  await page.evaluate(() => { document.getElementById('e2e-details').open = true; window.siteNotReloaded = true; });
  const box = page.locator('#header-q');
  await box.click();
  await box.pressSequentially('nal');
  await page.evaluate(() => { const q = document.getElementById('header-q'); q.setSelectionRange(1, 2); });
  await page.evaluate(() => window.scrollTo(0, 600));
  await page.waitForFunction(() => window.scrollY > 0);
  const before = await page.evaluate(() => window.scrollY);
  await time('edit to visible', () => writeFileSync(file, `${original}\n${marker}\n`),
    () => page.waitForFunction((m) => document.body.innerText.includes(m), marker, { timeout: 15000 }));
  const kept = await page.evaluate(() => {
    const q = document.getElementById('header-q');
    return {
      reloaded: !window.siteNotReloaded,
      scroll: window.scrollY,
      open: document.getElementById('e2e-details').open,
      focused: document.activeElement === q,
      value: q.value,
      caret: [q.selectionStart, q.selectionEnd],
    };
  });
  if (kept.reloaded) throw new Error('the page was reloaded instead of patched');
  if (Math.abs(kept.scroll - before) > 80) throw new Error(`scroll position lost: ${before} -> ${kept.scroll}`);
  if (!kept.open) throw new Error('the open <details> was closed');
  if (!kept.focused || kept.value !== 'nal' || kept.caret[0] !== 1 || kept.caret[1] !== 2) {
    throw new Error(`the search box lost focus, text or caret: ${JSON.stringify(kept)}`);
  }
  console.log(`   patched in place: scroll ${before} -> ${kept.scroll}, <details> open, search box focused with "${kept.value}" and its caret`);

  step('a stylesheet edit changes the <head>: the page reloads');
  const css = join(work, 'static/style.css');
  const cssText = readFileSync(css, 'utf8');
  await time('stylesheet edit to reloaded page', () => writeFileSync(css, `${cssText}\n/* e2e ${Date.now()} */\n`),
    () => page.waitForFunction(() => !window.siteNotReloaded && document.readyState === 'complete', null, { timeout: 15000 }));

  step('a broken front matter shows an overlay naming the file; the page stays');
  await time('edit to overlay', () => writeFileSync(file, `${original.replace(/^title:/m, 'titel:')}\n${marker}\n`),
    () => page.waitForFunction((f) => {
      const o = document.getElementById('site-error-overlay');
      return o && o.textContent.includes(f) && o.textContent.includes('unknown key');
    }, articleFile, { timeout: 15000 }));
  if (!(await page.evaluate((m) => document.body.innerText.includes(m), marker))) throw new Error('the last good page was not kept');

  step('fixing the file clears the overlay and shows the fixed page');
  await time('fix to clean page', () => writeFileSync(file, original),
    () => page.waitForFunction((m) => !document.getElementById('site-error-overlay') && !document.body.innerText.includes(m), marker, { timeout: 15000 }));
  if (errors.length) throw new Error(`JavaScript errors: ${errors.join('\n')}`);
  console.log('serve end-to-end: passed');
} catch (e) {
  failed = true;
  console.error(`serve end-to-end: FAILED: ${e.message}\n--- server output ---\n${log}`);
} finally {
  if (browser) await browser.close();
  server.kill('SIGINT');
  await new Promise((r) => setTimeout(r, 300));
  if (server.exitCode === null) server.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
