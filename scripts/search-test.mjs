// The query side of site search (static/search.js) against index files the Rust side built:
// run by the Rust test `search::tests::the_browser_side_agrees` (`cargo test`), which writes the
// files and a cases file, then runs `node scripts/search-test.mjs CASES.json`.
//
// For each case (a language's index, online JSON or offline scripts):
// 1. the folding and stemming vectors the Rust side computed come out the same here;
// 2. every letter of the manifest's folding table that Unicode decomposes folds to its base
//    letter (so the table agrees with NFD);
// 3. each query finds its expected page among the first results, and the rejected page not at
//    all.
// Prints one line per case and every failure, and exits 1 on any.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';

const [casesFile] = process.argv.slice(2);
if (!casesFile) {
  console.error('usage: node scripts/search-test.mjs CASES.json');
  process.exit(2);
}
const cases = JSON.parse(readFileSync(casesFile, 'utf8'));
let failures = 0;
const fail = (what) => { failures++; console.error(`FAIL ${what}`); };

// search.js in a context of its own, without a document: only the engine comes up.
function engineOf(dir, offline) {
  const window = {};
  const context = vm.createContext({ window, Promise, Float64Array, Uint8Array, Math, Array, Object });
  vm.runInContext(readFileSync(cases.script, 'utf8'), context, { filename: 'search.js' });
  const api = window.siteSearch;
  const load = async (name) => {
    if (!offline) return JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8'));
    // An offline file is a script that calls window.siteSearch.add(name, data).
    let got;
    const saved = api.add;
    api.add = (n, data) => { if (n === name) got = data; };
    vm.runInContext(readFileSync(join(dir, `${name}.js`), 'utf8'), context, { filename: `${name}.js` });
    api.add = saved;
    if (got === undefined) throw new Error(`${name}.js did not call window.siteSearch.add("${name}", ...)`);
    return got;
  };
  return load('manifest').then((m) => ({ engine: api.Engine(m, load), manifest: m }));
}

for (const c of cases.cases) {
  const { engine, manifest } = await engineOf(c.dir, c.offline);
  const label = `${c.lang}${c.offline ? ' offline' : ''}`;
  for (const [text, folded] of c.folds) {
    const got = engine.fold(text);
    if (got !== folded) fail(`${label}: fold(${JSON.stringify(text)}) is ${JSON.stringify(got)} here, ${JSON.stringify(folded)} in Rust`);
  }
  for (const [word, stem] of c.stems) {
    const got = engine.stem(word);
    if (got !== stem) fail(`${label}: stem(${JSON.stringify(word)}) is ${JSON.stringify(got)} here, ${JSON.stringify(stem)} in Rust`);
  }
  for (const [text, terms] of c.terms) {
    const got = engine.terms(text);
    if (JSON.stringify(got) !== JSON.stringify(terms)) fail(`${label}: terms(${JSON.stringify(text)}) are ${JSON.stringify(got)} here, ${JSON.stringify(terms)} in Rust`);
  }
  const from = Array.from(manifest.fold[0]);
  const to = Array.from(manifest.fold[1]);
  from.forEach((ch, i) => {
    const base = ch.normalize('NFD');
    if (base.length > 1 && base[0] !== to[i]) fail(`${label}: the folding table maps ${ch} to ${to[i]}, but it decomposes to ${base[0]}`);
  });
  for (const q of c.queries) {
    const r = await engine.search(q.q);
    const urls = [];
    for (const n of r.docs.slice(0, 10)) urls.push((await engine.doc(n)).u);
    if (q.first && urls[0] !== q.first) fail(`${label}: "${q.q}" (terms ${JSON.stringify(r.terms)}) ranks ${JSON.stringify(urls)}, expected ${q.first} first`);
    for (const u of q.absent || []) if (urls.includes(u)) fail(`${label}: "${q.q}" finds ${u}, which it should not`);
  }
  console.log(`${label}: ${c.folds.length} folds, ${c.stems.length} stems, ${c.terms.length} term lists, ${c.queries.length} queries checked`);
}
process.exit(failures ? 1 : 0);
