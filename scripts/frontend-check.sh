#!/usr/bin/env bash
# Front-end checks on a built site (issue 6):
#   0. budgets: every page's HTML + the stylesheet under 60 KB; no render-blocking <script> on any
#      page; no script at all outside the search page
#   1. the Nu HTML checker (vnu-jar): 0 errors on every built .html file
#   2. axe-core in headless Chromium: 0 violations on home, a section, an article, a tag page, the
#      tag index, search (with results) and 404, in light and dark; no horizontal scrolling at 320 px;
#      no JavaScript errors; screenshots (390x844, 1280x800) of home and the article
#   3. Lighthouse 12.2.3 on home and the article: accessibility, best practices and SEO must be 100;
#      performance is printed, not gated
#
# Usage: scripts/frontend-check.sh PUBLIC_DIR   (build first: site build --output PUBLIC_DIR)
# Needs: node >= 18.16 with npm, java >= 11, Chromium at /usr/bin/chromium (or CHROME_PATH).
# The npm packages pinned in scripts/package-lock.json are installed with `npm ci` into a cache
# directory (FRONTEND_CHECK_DEPS, default ~/.cache/naltrexone-site/frontend-check), not the repo.
# Screenshots go to SHOTS_DIR (default /tmp/shots). ARTICLE=/section/slug/ picks the article page.
set -euo pipefail

if [[ $# -ne 1 || ! -f "${1:-}/index.html" ]]; then
  echo "usage: $0 PUBLIC_DIR   (a built site: PUBLIC_DIR/index.html must exist)" >&2
  exit 2
fi
PUBLIC=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}
DEPS=${FRONTEND_CHECK_DEPS:-${XDG_CACHE_HOME:-$HOME/.cache}/naltrexone-site/frontend-check}
SHOTS=${SHOTS_DIR:-/tmp/shots}
BUDGET=$((60 * 1024))
CHROME_FLAGS="--headless --no-sandbox --disable-gpu --disable-background-networking"
export CHROME_FLAGS

failures=()
fail() { failures+=("$1"); echo "FAIL: $1" >&2; }
step() { printf '\n== %s\n' "$1"; }

for tool in node npm java; do
  command -v "$tool" >/dev/null || { echo "error: \`$tool\` is not installed" >&2; exit 2; }
done
if [[ ! -x "$CHROME_PATH" ]]; then
  echo "error: no Chromium at $CHROME_PATH (install it: apt-get install -y chromium, or set CHROME_PATH)" >&2
  exit 2
fi

TMP=$(mktemp -d)
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "npm dependencies (npm ci into $DEPS)"
mkdir -p "$DEPS"
if ! cmp -s "$HERE/package-lock.json" "$DEPS/.installed-lock.json" || [[ ! -d "$DEPS/node_modules" ]]; then
  cp "$HERE/package.json" "$HERE/package-lock.json" "$DEPS/"
  # --ignore-scripts: nothing here needs an install script, and no browser may be downloaded.
  (cd "$DEPS" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  cp "$HERE/package-lock.json" "$DEPS/.installed-lock.json"
else
  echo "up to date"
fi

# ---------------------------------------------------------------------------------------------
step "0. budgets and scripts"
css=$(find "$PUBLIC" -maxdepth 1 -name 'style.*.css' | head -n 1)
if [[ -z "$css" ]]; then
  fail "no fingerprinted stylesheet (style.<hash>.css) in $PUBLIC"
  css_bytes=0
else
  css_bytes=$(wc -c <"$css")
fi
biggest=0 biggest_page=""
while IFS= read -r -d '' f; do
  bytes=$(wc -c <"$f")
  rel=${f#"$PUBLIC"/}
  if ((bytes > biggest)); then biggest=$bytes biggest_page=$rel; fi
  if ((bytes + css_bytes > BUDGET)); then
    fail "$rel: HTML $bytes B + CSS $css_bytes B = $((bytes + css_bytes)) B, over the $BUDGET B budget"
  fi
  # Any <script src> must be deferred, async or a module, and only a search page (one per
  # language: the pages with the search results list) may have one.
  if grep -o '<script[^>]*src=[^>]*>' "$f" | grep -qv -e ' defer' -e ' async' -e 'type="module"'; then
    fail "$rel: render-blocking <script src> (use defer)"
  fi
  if ! grep -q 'id="search-results"' "$f" && grep -q '<script[^>]*src=' "$f"; then
    fail "$rel: loads JavaScript; only the search page may"
  fi
done < <(find "$PUBLIC" -name '*.html' -print0)
echo "stylesheet: $css_bytes B; largest page: $biggest_page, $biggest B (+ CSS = $((biggest + css_bytes)) B of $BUDGET B)"

# ---------------------------------------------------------------------------------------------
step "1. Nu HTML checker (errors only; HTML, plus the CSS and SVG files)"
mapfile -d '' html_files < <(find "$PUBLIC" \( -name '*.html' -o -name '*.css' -o -name '*.svg' \) -print0 | sort -z)
echo "${#html_files[@]} files"
if java -Xss4m -jar "$DEPS/node_modules/vnu-jar/build/dist/vnu.jar" --errors-only --also-check-css --also-check-svg \
  --format gnu "${html_files[@]}" \
  >"$TMP/vnu.txt" 2>&1; then
  echo "0 errors"
else
  sed "s|$PUBLIC/||" "$TMP/vnu.txt" | head -n 60 >&2
  fail "Nu HTML checker: $(grep -c ':' "$TMP/vnu.txt" || true) error(s)"
fi

# ---------------------------------------------------------------------------------------------
# A small static server: directories serve index.html, unknown paths 404.html with status 404,
# gzip for text, like a static host or CDN would.
cat >"$DEPS/serve.cjs" <<'JS'
const http = require('http'), fs = require('fs'), path = require('path'), zlib = require('zlib');
const [root, portFile] = process.argv.slice(2);
const types = { '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8', '.json': 'application/json', '.svg': 'image/svg+xml',
  '.xml': 'application/xml', '.txt': 'text/plain; charset=utf-8', '.png': 'image/png',
  '.jpg': 'image/jpeg', '.webp': 'image/webp', '.ico': 'image/x-icon', '.woff2': 'font/woff2' };
function send(req, res, status, file, body) {
  const type = types[path.extname(file)] || 'application/octet-stream';
  const headers = { 'content-type': type, 'cache-control': /\.[0-9a-f]{8}\.css$/.test(file) ? 'public, max-age=31536000, immutable' : 'no-cache' };
  if (/text|json|xml|svg/.test(type) && /\bgzip\b/.test(req.headers['accept-encoding'] || '')) {
    body = zlib.gzipSync(body); headers['content-encoding'] = 'gzip'; headers['vary'] = 'Accept-Encoding';
  }
  res.writeHead(status, headers); res.end(req.method === 'HEAD' ? undefined : body);
}
http.createServer((req, res) => {
  let p;
  try { p = decodeURIComponent(new URL(req.url, 'http://x').pathname); } catch { res.writeHead(400); return res.end(); }
  let file = path.join(root, path.normalize(p));
  if (!file.startsWith(root)) { res.writeHead(403); return res.end(); }
  try {
    if (fs.statSync(file).isDirectory()) {
      if (!p.endsWith('/')) { res.writeHead(301, { location: p + '/' }); return res.end(); }
      file = path.join(file, 'index.html');
    }
    return send(req, res, 200, file, fs.readFileSync(file));
  } catch {
    const nf = path.join(root, '404.html');
    return send(req, res, 404, nf, fs.existsSync(nf) ? fs.readFileSync(nf) : Buffer.from('Not found'));
  }
}).listen(0, '127.0.0.1', function () { fs.writeFileSync(portFile, String(this.address().port)); });
JS
node "$DEPS/serve.cjs" "$PUBLIC" "$TMP/port" &
SERVER_PID=$!
for _ in $(seq 50); do [[ -s "$TMP/port" ]] && break; sleep 0.1; done
[[ -s "$TMP/port" ]] || { echo "error: the static server did not start" >&2; exit 1; }
BASE="http://127.0.0.1:$(cat "$TMP/port")"
echo
echo "serving $PUBLIC at $BASE (pid $SERVER_PID)"

# Pages to test: chosen from the output so the script works on any built site.
url_of() { local d=${1#"$PUBLIC"}; echo "${d%index.html}"; }
# A section is a folder whose subfolders hold pages (an article's folder, or a page of the
# site's own such as about/, has none).
section=$(find "$PUBLIC" -mindepth 3 -maxdepth 3 -name index.html -not -path "$PUBLIC/tags/*" | sort | head -n 1)
section=${section:+$(dirname "$(dirname "$section")")/index.html}
# A tag page with a pager if there is one, else the first tag page.
tag=$(find "$PUBLIC/tags" -mindepth 3 -maxdepth 3 -path '*/page/2' 2>/dev/null | sort | head -n 1)
if [[ -n "$tag" ]]; then tag=${tag%/page/2}/index.html; else
  tag=$(find "$PUBLIC/tags" -mindepth 2 -maxdepth 2 -name index.html 2>/dev/null | sort | head -n 1)
fi
if [[ -z "${ARTICLE:-}" ]]; then
  # The longest article: the hardest case for size, layout and the table of contents.
  article=$(find "$PUBLIC" -mindepth 3 -maxdepth 3 -name index.html -not -path "$PUBLIC/tags/*" -printf '%s %p\n' | sort -k1,1nr -k2 | head -n 1 | cut -d' ' -f2-)
  ARTICLE=$(url_of "$article")
fi
[[ -n "$section" && -n "$tag" && -n "$ARTICLE" ]] || { fail "could not find a section, a tag page and an article in $PUBLIC"; }
PAGES=$(printf '%s\n' \
  "home /" \
  "section $(url_of "$section")" \
  "article $ARTICLE" \
  "tag $(url_of "$tag")" \
  "tags /tags/" \
  "search /search/?q=drink" \
  "404 /no-such-page/")
# Every other page is scanned too (light mode): violations there are warnings unless
# FRONTEND_STRICT=1, since they usually come from content rather than templates.
OTHERS=$(find "$PUBLIC" -name '*.html' -printf '/%P\n' | sed 's|index\.html$||' | sort |
  grep -vxF -f <(printf '%s\n' "$PAGES" | cut -d' ' -f2 | sed 's|?.*||') | grep -vx -e /404.html -e /search/ || true)
export PAGES OTHERS BASE SHOTS FRONTEND_STRICT=${FRONTEND_STRICT:-0}

# ---------------------------------------------------------------------------------------------
step "2. axe-core in headless Chromium (light and dark), 320 px reflow, screenshots"
cat >"$DEPS/browser-check.cjs" <<'JS'
const { chromium } = require('playwright-core');
const fs = require('fs');
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const { BASE, PAGES, OTHERS, SHOTS, CHROME_PATH, CHROME_FLAGS, FRONTEND_STRICT } = process.env;
const pages = PAGES.trim().split('\n').map((l) => l.split(' '));
const others = OTHERS.split('\n').filter(Boolean);
let problems = 0, warnings = 0;
const problem = (msg) => { problems++; console.error('  ' + msg); };
const warning = (msg) => { warnings++; console.error('  warning: ' + msg); };

async function axe(page) {
  await page.evaluate(axeSource);
  return (await page.evaluate(() => axe.run(document, { resultTypes: ['violations'] }))).violations;
}
function report(violations, where, say) {
  for (const v of violations) {
    say(`${where}: axe ${v.id} [${v.impact}]: ${v.help}`);
    for (const n of v.nodes.slice(0, 5)) console.error(`      ${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`);
  }
}

(async () => {
  const browser = await chromium.launch({ executablePath: CHROME_PATH, args: CHROME_FLAGS.split(' ') });
  try {
    for (const scheme of ['light', 'dark']) {
      const context = await browser.newContext({ colorScheme: scheme, viewport: { width: 1280, height: 800 } });
      for (const [name, url] of pages) {
        const page = await context.newPage();
        const errors = [];
        page.on('pageerror', (e) => errors.push(e.message));
        page.on('console', (m) => { if (m.type() === 'error' && !(name === '404' && /404/.test(m.text()))) errors.push(m.text()); });
        const response = await page.goto(BASE + url, { waitUntil: 'load' });
        const expected = name === '404' ? 404 : 200;
        if (response.status() !== expected) problem(`${name} ${url}: HTTP ${response.status()}, expected ${expected}`);
        if (name === 'search') {
          await page.waitForSelector('#search-results:not([hidden]) li', { timeout: 10000 })
            .catch(() => problem(`search ${url}: no results were shown`));
        }
        const violations = await axe(page);
        report(violations, `${name} ${url} (${scheme})`, problem);
        for (const e of errors) problem(`${name} ${url} (${scheme}): console error: ${e}`);
        console.log(`  ${name.padEnd(8)} ${scheme.padEnd(5)} ${violations.length} violations  ${url}`);
        await page.close();
      }
      await context.close();
    }

    // Every other page, light mode.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    let clean = 0;
    for (const url of others) {
      await page.goto(BASE + url, { waitUntil: 'load' });
      const violations = await axe(page);
      if (!violations.length) clean++;
      report(violations, `${url} (light)`, FRONTEND_STRICT === '1' ? problem : warning);
    }
    console.log(`  other pages: ${clean} of ${others.length} with 0 violations`);
    await context.close();

    // Reflow: no page may scroll sideways at 320 px (WCAG 1.4.10).
    const narrow = await browser.newContext({ viewport: { width: 320, height: 640 } });
    const small = await narrow.newPage();
    for (const url of [...pages.map((p) => p[1]), ...others]) {
      await small.goto(BASE + url, { waitUntil: 'load' });
      const width = await small.evaluate(() => document.documentElement.scrollWidth);
      if (width > 320) problem(`${url} at 320px: the page is ${width}px wide and scrolls sideways`);
    }
    console.log(`  320px reflow: checked ${pages.length + others.length} pages`);
    await narrow.close();

    fs.mkdirSync(SHOTS, { recursive: true });
    const article = pages.find((p) => p[0] === 'article')[1];
    for (const [w, h] of [[390, 844], [1280, 800]]) {
      for (const scheme of ['light', 'dark']) {
        const context = await browser.newContext({ colorScheme: scheme, viewport: { width: w, height: h }, deviceScaleFactor: 1 });
        const page = await context.newPage();
        for (const [name, url] of [['home', '/'], ['article', article]]) {
          await page.goto(BASE + url, { waitUntil: 'load' });
          await page.screenshot({ path: `${SHOTS}/${name}-${w}x${h}-${scheme}.png` });
          await page.screenshot({ path: `${SHOTS}/${name}-${w}x${h}-${scheme}-full.png`, fullPage: true });
        }
        await context.close();
      }
    }
    console.log(`  screenshots in ${SHOTS}`);
  } finally {
    await browser.close();
  }
  if (warnings) console.error(`  ${warnings} warning(s) on other pages (FRONTEND_STRICT=1 makes them failures)`);
  process.exit(problems ? 1 : 0);
})().catch((e) => { console.error(e); process.exit(2); });
JS
if NODE_PATH="$DEPS/node_modules" node "$DEPS/browser-check.cjs"; then
  echo "passed: 0 violations on the pages above"
else
  fail "axe-core / browser checks (see above)"
fi

# ---------------------------------------------------------------------------------------------
step "3. Lighthouse (accessibility, best practices, SEO must be 100; performance informational)"
cat >"$DEPS/lh-scores.cjs" <<'JS'
const r = require(process.argv[2]);
const gated = ['accessibility', 'best-practices', 'seo'];
let bad = 0;
const line = Object.values(r.categories).map((c) => `${c.title} ${Math.round(c.score * 100)}`).join(', ');
console.log(`  ${r.finalDisplayedUrl}: ${line}`);
for (const id of gated) {
  const c = r.categories[id];
  if (c.score === 1) continue;
  bad++;
  for (const ref of c.auditRefs) {
    const a = r.audits[ref.id];
    if (!(ref.weight > 0 && a.score !== null && a.score < 1)) continue;
    console.error(`    ${id}: ${a.id}: ${a.title}`);
    for (const item of ((a.details && a.details.items) || []).slice(0, 8)) {
      const node = item.node || (item.subItems && item.subItems.items[0] && item.subItems.items[0].relatedNode) || {};
      console.error(`      ${node.selector || ''} ${(node.snippet || '').slice(0, 160)} ${node.explanation ? node.explanation.replace(/\s+/g, ' ').slice(0, 200) : ''}`);
    }
  }
}
process.exit(bad ? 1 : 0);
JS
for url in / "$ARTICLE"; do
  out="$TMP/lh-$(echo "$url" | tr -c 'a-z0-9' '_').json"
  if node "$DEPS/node_modules/lighthouse/cli/index.js" "$BASE$url" --quiet --output=json --output-path="$out" \
    --only-categories=performance,accessibility,best-practices,seo --chrome-flags="$CHROME_FLAGS" >/dev/null 2>"$TMP/lh.log"; then
    node "$DEPS/lh-scores.cjs" "$out" || fail "Lighthouse $url: accessibility, best practices and SEO must all be 100"
  else
    tail -n 20 "$TMP/lh.log" >&2
    fail "Lighthouse could not run on $url"
  fi
done

# ---------------------------------------------------------------------------------------------
echo
if ((${#failures[@]})); then
  echo "frontend-check: ${#failures[@]} failure(s):" >&2
  printf '  - %s\n' "${failures[@]}" >&2
  exit 1
fi
echo "frontend-check: all checks passed"
