// Offline site search. Loaded (deferred) only on /search/. Fetches the build's search index once
// (the offline copy, read from file:// where fetch is refused, loads it as a classic script that sets
// window.siteSearchIndex), ranks pages in the browser and lists them. Result links follow the page's
// data-root (the site's base path, or the relative way home offline). Without JavaScript the page
// still offers browsing links.
(function () {
  'use strict';
  var form = document.querySelector('main .search-form');
  var input = document.getElementById('q');
  var status = document.getElementById('search-status');
  var list = document.getElementById('search-results');
  if (!form || !input || !status || !list || !(window.fetch || window.siteSearchIndex)) return;
  var offline = list.hasAttribute('data-offline');
  var root = (list.getAttribute('data-root') || '/').replace(/index\.html$/, '');

  var STOP = {};
  ('a about after am an and are as at be before but by can could do does for from get go has have how i if in ' +
    'into is it its me my no not of on or should so that the their them then there this to up was we what when ' +
    'where which who why will with would you your').split(' ').forEach(function (w) { STOP[w] = 1; });
  var WORD = /[\p{L}\p{N}]+/gu;
  var title = document.title;
  var docs = null;
  var loading = null;
  var timer = 0;

  function fold(s) { return s.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, ''); }
  function words(s) { return fold(s || '').match(WORD) || []; }
  function stem(w) {
    if (w.length < 5) return w;
    if (/ies$/.test(w)) return w.slice(0, -3) + 'y';
    return w.replace(/(ing|ed|es|s)$/, '');
  }
  function terms(q) {
    var all = words(q);
    var kept = all.filter(function (w) { return !STOP[w]; });
    return (kept.length ? kept : all).map(stem).filter(function (t, i, a) { return a.indexOf(t) === i; });
  }
  // How often term `t` starts a word in `ws` (short terms must match whole words).
  function hits(ws, t) {
    var n = 0;
    for (var i = 0; i < ws.length; i++) if (t.length < 3 ? ws[i] === t : ws[i].lastIndexOf(t, 0) === 0) n++;
    return n;
  }

  // A page's site-root URL (/alcohol/x/) as a link from this page.
  function link(u) {
    var path = u.replace(/^\//, '');
    return root + path + (offline && (path === '' || /\/$/.test(path)) ? 'index.html' : '');
  }

  function load() {
    if (!loading) {
      var got = window.siteSearchIndex
        ? Promise.resolve(window.siteSearchIndex)
        : fetch(list.getAttribute('data-index') || '/search-index.json')
          .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); });
      loading = got
        .then(function (raw) {
          docs = raw.map(function (d) {
            return { d: d, t: words(d.t), k: words(d.k), ds: words(d.d), s: words(d.s), b: words(d.b),
              ft: fold(d.t), fb: fold(d.b) };
          });
        });
    }
    return loading;
  }

  function rank(q) {
    var ts = terms(q);
    var phrase = fold(q).trim();
    var scored = [];
    docs.forEach(function (x) {
      var score = 0, matched = 0;
      ts.forEach(function (t) {
        var s = 12 * Math.min(hits(x.t, t), 2) + 6 * Math.min(hits(x.k, t), 3) +
          4 * Math.min(hits(x.ds, t), 2) + 2 * Math.min(hits(x.s, t), 1) + Math.min(hits(x.b, t), 6);
        if (s) { matched++; score += s; }
      });
      if (!matched) return;
      if (phrase.length > 3 && x.ft.indexOf(phrase) >= 0) score += 30;
      else if (phrase.length > 3 && x.fb.indexOf(phrase) >= 0) score += 8;
      scored.push({ x: x, score: score, all: matched === ts.length });
    });
    var exact = scored.filter(function (r) { return r.all; });
    var out = exact.length ? exact : scored.filter(function (r) { return r.score >= 6; });
    out.sort(function (a, b) { return b.score - a.score || (a.x.d.t < b.x.d.t ? -1 : 1); });
    return { results: out.slice(0, 30), partial: !exact.length, terms: ts };
  }

  // Appends `text` to `el`, wrapping words that start with a search term in <mark>.
  function highlight(el, text, ts) {
    var last = 0;
    text.replace(WORD, function (w, at) {
      var f = fold(w);
      if (ts.some(function (t) { return t.length < 3 ? f === t : f.lastIndexOf(t, 0) === 0; })) {
        el.appendChild(document.createTextNode(text.slice(last, at)));
        var m = document.createElement('mark');
        m.textContent = w;
        el.appendChild(m);
        last = at + w.length;
      }
      return w;
    });
    el.appendChild(document.createTextNode(text.slice(last)));
  }

  // A short excerpt of the body around the first matching word, when the description has none.
  function excerpt(x, ts) {
    if (ts.some(function (t) { return hits(x.ds, t); })) return x.d.d;
    var body = x.d.b || '', m, re = new RegExp(WORD.source, 'gu');
    while ((m = re.exec(body))) {
      var f = fold(m[0]);
      if (ts.some(function (t) { return f.lastIndexOf(t, 0) === 0; })) {
        var start = Math.max(0, body.lastIndexOf(' ', Math.max(0, m.index - 60)) + 1);
        var end = body.indexOf(' ', Math.min(body.length, m.index + 140));
        return (start > 0 ? '… ' : '') + body.slice(start, end < 0 ? body.length : end) + (end < 0 ? '' : ' …');
      }
    }
    return x.d.d;
  }

  function say(text) { status.textContent = text; }

  function show(q) {
    list.textContent = '';
    list.hidden = true;
    if (!q.trim()) {
      document.title = title;
      say('Type a word or question above, for example “drinking” or “side effects”.');
      return;
    }
    document.title = 'Search: ' + q.trim() + ' | ' + title.replace(/^Search \| /, '');
    var r = rank(q);
    var n = r.results.length;
    if (!n) {
      say('No articles match “' + q.trim() + '”. Try fewer or different words, or browse by section below.');
      return;
    }
    r.results.forEach(function (hit) {
      var d = hit.x.d, li = document.createElement('li'), a = document.createElement('a'), p = document.createElement('p');
      a.href = link(d.u);
      a.className = 'r-title';
      highlight(a, d.t, r.terms);
      li.appendChild(a);
      if (d.s) {
        var s = document.createElement('span');
        s.className = 'r-section';
        s.textContent = ' · ' + d.s;
        li.appendChild(s);
      }
      highlight(p, excerpt(hit.x, r.terms), r.terms);
      li.appendChild(p);
      list.appendChild(li);
    });
    list.hidden = false;
    say((n === 1 ? '1 article' : n + ' articles') + (r.partial ? ' match some of the words in “' : ' found for “') + q.trim() + '”.');
  }

  function run(push) {
    var q = input.value;
    if (push !== false) {
      var url = q.trim() ? '?q=' + encodeURIComponent(q.trim()) : location.pathname;
      // Keeps the query in the address bar; some browsers refuse it on file://.
      try { history.replaceState(null, '', url); } catch (e) { /* the results still show */ }
    }
    if (docs) { show(q); return; }
    say('Loading search…');
    load().then(function () { show(input.value); }, function () {
      loading = null;
      say('Search could not load. Check your connection, or browse by section below.');
    });
  }

  form.addEventListener('submit', function (e) { e.preventDefault(); clearTimeout(timer); run(); });
  input.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(run, 250); });
  input.value = new URLSearchParams(location.search).get('q') || '';
  if (input.value) run(false); else { say('Type a word or question above, for example “drinking” or “side effects”.'); load().catch(function () { loading = null; }); }
})();
