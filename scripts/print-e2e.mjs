// The printable wallet card in headless Chromium (issue 15): builds the offline copy of the site,
// opens the card page from file://, and checks that
//   - printed on Letter and on A4 it gives exactly one page each (page.pdf);
//   - in print, each half of the card (front, back) measures ID-1 size, 85.6 x 54 mm (+-0.5 mm),
//     side by side, with nothing else of the page shown (header, footer, help box, instructions).
// Prints the measured sizes; exits 1 on any failure, listing all of them.
//
// Usage: node scripts/print-e2e.mjs SITE_BINARY SITE_ROOT
// Needs playwright-core (NODE_PATH pointing at the frontend-check dependencies) and Chromium.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

const [binary, siteRoot] = process.argv.slice(2);
if (!binary || !siteRoot) {
  console.error('usage: node scripts/print-e2e.mjs SITE_BINARY SITE_ROOT');
  process.exit(2);
}

const MM = 96 / 25.4; // CSS pixels per millimetre
const failures = [];
const fail = (what) => { failures.push(what); console.log(`FAIL: ${what}`); };
const work = mkdtempSync(join(tmpdir(), 'print-e2e-'));
let browser;
try {
  const out = join(work, 'offline');
  execFileSync(binary, ['--root', siteRoot, 'build', '--offline', '--output', out], { stdio: 'inherit' });
  browser = await chromium.launch({
    executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
  await page.goto(pathToFileURL(join(out, 'wallet-card', 'index.html')).href, { waitUntil: 'load' });
  await page.emulateMedia({ media: 'print' });
  const measured = await page.evaluate(() => {
    const box = (sel) => {
      const el = document.querySelector(sel);
      if (!el) return null;
      const r = el.getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height };
    };
    const shown = (sel) => [...document.querySelectorAll(sel)].some((el) => el.getClientRects().length > 0);
    return {
      front: box('#card-front'),
      back: box('#card-back'),
      header: shown('.site-header'),
      footer: shown('.site-footer'),
      help: shown('.help'),
      prose: shown('.article .prose'),
    };
  });
  for (const side of ['front', 'back']) {
    const b = measured[side];
    if (!b) { fail(`no #card-${side} on the card page`); continue; }
    const w = b.width / MM, h = b.height / MM;
    console.log(`${side}: ${w.toFixed(2)} x ${h.toFixed(2)} mm`);
    if (Math.abs(w - 85.6) > 0.5 || Math.abs(h - 54) > 0.5) fail(`${side} is ${w.toFixed(2)} x ${h.toFixed(2)} mm, not 85.6 x 54 mm`);
  }
  if (measured.front && measured.back) {
    const sideBySide = Math.abs(measured.front.y - measured.back.y) < 1 && measured.back.x > measured.front.x;
    if (!sideBySide) fail('front and back are not side by side');
  }
  for (const part of ['header', 'footer', 'help', 'prose']) if (measured[part]) fail(`the ${part} is printed with the card`);
  for (const format of ['Letter', 'A4']) {
    const pdf = await page.pdf({ format, printBackground: true });
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page(?![s\w])/g) || []).length;
    console.log(`${format}: ${pages} page(s), ${pdf.length} bytes`);
    if (pages !== 1) fail(`printing on ${format} gives ${pages} pages, not 1`);
  }
  for (const e of errors) fail(e);
} catch (e) {
  fail(String(e && e.stack || e));
} finally {
  if (browser) await browser.close();
  rmSync(work, { recursive: true, force: true });
}
if (failures.length) {
  console.log(`\n${failures.length} failure(s)`);
  process.exit(1);
}
console.log('the wallet card prints on one page, at ID-1 size');
