// Site search in the browser. Loaded (deferred) only on the search page. The index is split into
// small files (src/search/mod.rs describes them): the manifest first, then only the shards that
// hold the query's terms, then the titles and snippets of the results on screen. Online each file
// is fetched as JSON; in the offline copy (file://, where fetch is refused) each is a classic
// script that calls window.siteSearch.add(name, data). The manifest carries the language's folding
// table, stop words and suffixes, so a query is cut into terms exactly as the pages were.
// Result links follow the page's data-root (the site's base path, or the relative way home
// offline). Without JavaScript the page still offers browsing links.
(function () {
  'use strict';
  var WORD = /[\p{Alphabetic}\p{N}]+/gu;
  var DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  // How far a term reaches: terms this long also match longer index terms they start (at half
  // weight), through at most this many more shards.
  var PREFIX_MIN = 3, PREFIX_SHARDS = 3;
  // Results shown at once, and the score a result needs when no page has every term.
  var PAGE = 10, PARTIAL_MIN = 6;

  var waiting = {};
  var api = window.siteSearch = {
    // Called by each offline file: hands its data to whoever loaded it.
    add: function (name, data) {
      var done = waiting[name];
      if (done) { delete waiting[name]; done(data); }
    },
    Engine: Engine
  };

  // The query side of the index in `m` (the manifest); `load(name)` returns a promise of the
  // file `name` ('w/3', 'p/0', 'd/42').
  function Engine(m, load) {
    var folds = {}, from = Array.from(m.fold[0]), to = Array.from(m.fold[1]);
    from.forEach(function (c, i) { folds[c] = to[i]; });
    var stop = {};
    m.stop.forEach(function (w) { stop[w] = 1; });
    var files = {};

    function fold(s) {
      var out = '';
      for (var c of (s || '').toLowerCase()) {
        var code = c.charCodeAt(0);
        if (code >= 0x300 && code <= 0x36f) continue;
        out += folds[c] || c;
      }
      return out;
    }
    function words(folded) {
      return (folded.match(WORD) || []).filter(function (w) { return Array.from(w).length <= m.max_word; });
    }
    function stem(w) {
      var len = Array.from(w).length;
      for (var i = 0; i < m.suffixes.length; i++) {
        var suffix = m.suffixes[i][0];
        // A suffix kept as it is (`ss`) protects the word from the shorter ones.
        if (suffix === m.suffixes[i][1] && w.endsWith(suffix)) return w;
        if (w.endsWith(suffix) && len - Array.from(suffix).length >= m.min_stem) {
          return w.slice(0, w.length - suffix.length) + m.suffixes[i][1];
        }
      }
      return w;
    }
    function terms(q) {
      return words(fold(q)).filter(function (w) { return !stop[w]; }).map(stem)
        .filter(function (t, i, a) { return a.indexOf(t) === i; });
    }
    function file(name) {
      if (!files[name]) files[name] = load(name).catch(function (e) { delete files[name]; throw e; });
      return files[name];
    }
    // The last shard of `firsts` (each shard's first key) that can hold `key`, or -1.
    function shardOf(firsts, key) {
      var lo = 0, hi = firsts.length - 1, at = -1;
      while (lo <= hi) {
        var mid = (lo + hi) >> 1;
        if (firsts[mid] <= key) { at = mid; lo = mid + 1; } else hi = mid - 1;
      }
      return at;
    }
    // The word shards a term's postings and its longer relatives are in.
    function wordShards(t) {
      var i = shardOf(m.words, t);
      if (i < 0) return [];
      var out = [i];
      for (var j = i + 1; t.length >= PREFIX_MIN && j < m.words.length && j <= i + PREFIX_SHARDS && m.words[j].lastIndexOf(t, 0) === 0; j++) out.push(j);
      return out;
    }
    // Calls each(doc, score) for every posting in `list`.
    function postings(list, each) {
      var doc = 0, n = 0, shift = 0, gap = -1;
      for (var i = 0; i < list.length; i++) {
        var d = DIGITS.indexOf(list[i]);
        n += (d & 31) * Math.pow(2, shift);
        if (d & 32) { shift += 5; continue; }
        if (gap < 0) { gap = n; } else { doc += gap; each(doc, n); gap = -1; }
        n = 0; shift = 0;
      }
    }

    // The documents matching `q`, best first: { terms, docs (numbers), partial }.
    function search(q) {
      var ts = terms(q);
      var pairs = [];
      for (var i = 0; i + 1 < ts.length; i++) pairs.push(ts[i] + ' ' + ts[i + 1]);
      var need = {};
      ts.forEach(function (t) { wordShards(t).forEach(function (s) { need['w/' + s] = 1; }); });
      pairs.forEach(function (p) { var s = shardOf(m.pairs, p); if (s >= 0) need['p/' + s] = 1; });
      var names = Object.keys(need);
      return Promise.all(names.map(file)).then(function (got) {
        var shards = {};
        names.forEach(function (n, i) { shards[n] = got[i]; });
        var score = new Float64Array(m.docs), matched = new Uint8Array(m.docs);
        ts.forEach(function (t) {
          var best = new Float64Array(m.docs);
          wordShards(t).forEach(function (s) {
            var shard = shards['w/' + s];
            Object.keys(shard).forEach(function (key) {
              var weight = key === t ? 1 : t.length >= PREFIX_MIN && key.lastIndexOf(t, 0) === 0 ? 0.5 : 0;
              if (weight) postings(shard[key], function (doc, n) { if (doc < m.docs) best[doc] = Math.max(best[doc], n * weight); });
            });
          });
          for (var d = 0; d < m.docs; d++) if (best[d]) { score[d] += best[d]; matched[d]++; }
        });
        if (pairs.length) {
          // The phrase bonus: the smallest of the pairs' bonuses, when the page has every pair.
          var found = new Uint8Array(m.docs), least = new Float64Array(m.docs).fill(Infinity);
          pairs.forEach(function (p) {
            var list = (shards['p/' + shardOf(m.pairs, p)] || {})[p];
            if (list) postings(list, function (doc, n) { if (doc < m.docs) { found[doc]++; least[doc] = Math.min(least[doc], n); } });
          });
          for (var d = 0; d < m.docs; d++) if (found[d] === pairs.length) score[d] += least[d];
        }
        var all = [], some = [];
        for (var d = 0; d < m.docs; d++) {
          if (matched[d] === ts.length) all.push(d);
          else if (matched[d] && score[d] >= PARTIAL_MIN) some.push(d);
        }
        var docs = all.length ? all : some;
        docs.sort(function (a, b) { return score[b] - score[a] || a - b; });
        return { terms: ts, docs: docs, partial: !all.length };
      });
    }

    return { fold: fold, words: words, stem: stem, terms: terms, search: search,
      doc: function (n) { return file('d/' + n); } };
  }

  // The page: nothing more to do without the search page's form and list (or in a test).
  if (typeof document === 'undefined') return;
  var form = document.querySelector('main .search-form');
  var input = document.getElementById('q');
  var status = document.getElementById('search-status');
  var list = document.getElementById('search-results');
  if (!form || !input || !status || !list || !window.Promise) return;
  var offline = list.hasAttribute('data-offline');
  if (!offline && !window.fetch) return;
  var root = (list.getAttribute('data-root') || '/').replace(/index\.html$/, '');
  var manifestAt = list.getAttribute('data-index') || '/search-index/manifest.json';
  var base = manifestAt.replace(/[^/]*$/, '');
  var lang = document.documentElement.lang || undefined;

  // Every string the page shows, in one place; a data-msg-<name> attribute on the result list
  // replaces one (for another language). {q} is the query, {n} a count.
  var MSG = {
    hint: 'Type a word or question above, for example “drinking” or “side effects”.',
    searching: 'Searching…',
    none: 'No articles match “{q}”. Try fewer or different words, or browse by section below.',
    one: '1 article found for “{q}”.',
    many: '{n} articles found for “{q}”.',
    'one-partial': '1 article matches some of the words in “{q}”.',
    'many-partial': '{n} articles match some of the words in “{q}”.',
    failed: 'Search could not load. Check your connection, or browse by section below.',
    more: 'Show more results',
    title: 'Search: {q}'
  };
  Object.keys(MSG).forEach(function (k) {
    var v = list.getAttribute('data-msg-' + k);
    if (v) MSG[k] = v;
  });
  function msg(key, q, n) {
    return MSG[key].replace('{q}', q).replace('{n}', n === undefined ? '' : n.toLocaleString(lang));
  }

  // Loads the index file `name` (`manifest`, `w/3`, ...).
  function load(name, stamp) {
    if (!offline) {
      return fetch(base + name + '.json' + (stamp ? '?v=' + stamp : ''))
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); });
    }
    return new Promise(function (resolve, reject) {
      waiting[name] = resolve;
      var s = document.createElement('script');
      s.src = base + name + '.js';
      s.onerror = function () { delete waiting[name]; reject(new Error(s.src)); };
      document.head.appendChild(s);
    });
  }

  var title = document.title;
  var engine = null, starting = null, timer = 0, asked = 0;
  var more = document.createElement('button');
  more.type = 'button';
  more.className = 'search-more';
  more.hidden = true;
  list.parentNode.insertBefore(more, list.nextSibling);

  function start() {
    if (!starting) {
      starting = load('manifest').then(function (m) { engine = Engine(m, function (n) { return load(n, m.stamp); }); return engine; });
      starting.catch(function () { starting = null; });
    }
    return starting;
  }

  // A page's site-root URL (/alcohol/x/) as a link from this page.
  function link(u) {
    var path = u.replace(/^\//, '');
    return root + path + (offline && (path === '' || /\/$/.test(path)) ? 'index.html' : '');
  }
  function matches(f, ts) {
    return ts.some(function (t) { return t.length < PREFIX_MIN ? f === t : f.lastIndexOf(t, 0) === 0; });
  }
  // Appends `text` to `el`, wrapping words that start with a search term in <mark>.
  function highlight(el, text, ts) {
    var last = 0;
    text.replace(WORD, function (w, at) {
      if (matches(engine.fold(w), ts)) {
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
  // The description when it has a term, else a short excerpt of the body around the first
  // matching word, else the description.
  function excerpt(d, ts) {
    if ((engine.fold(d.d).match(WORD) || []).some(function (w) { return matches(w, ts); })) return d.d;
    var body = d.b || '', m, re = new RegExp(WORD.source, 'gu');
    while ((m = re.exec(body))) {
      if (matches(engine.fold(m[0]), ts)) {
        var start = Math.max(0, body.lastIndexOf(' ', Math.max(0, m.index - 60)) + 1);
        var end = body.indexOf(' ', Math.min(body.length, m.index + 140));
        return (start > 0 ? '… ' : '') + body.slice(start, end < 0 ? body.length : end) + (end < 0 ? '' : ' …');
      }
    }
    return d.d;
  }
  function item(d, ts) {
    var li = document.createElement('li'), a = document.createElement('a'), p = document.createElement('p');
    a.href = link(d.u);
    a.className = 'r-title';
    highlight(a, d.t, ts);
    li.appendChild(a);
    if (d.s) {
      var s = document.createElement('span');
      s.className = 'r-section';
      s.textContent = ' · ' + d.s;
      li.appendChild(s);
    }
    highlight(p, excerpt(d, ts), ts);
    li.appendChild(p);
    return li;
  }

  function say(text) { status.textContent = text; }

  // Shows results `from` .. `from + PAGE` of `r`, loading their files first.
  function page(r, from, id) {
    var ids = r.docs.slice(from, from + PAGE);
    return Promise.all(ids.map(engine.doc)).then(function (ds) {
      if (id !== asked) return;
      ds.forEach(function (d) { list.appendChild(item(d, r.terms)); });
      list.hidden = false;
      var shown = from + ds.length;
      more.hidden = shown >= r.docs.length;
      more.onclick = function () { more.hidden = true; page(r, shown, id).catch(failed); };
    });
  }

  function failed() {
    starting = null;
    say(MSG.failed);
  }

  function run(push) {
    var q = input.value.trim();
    if (push !== false) {
      var url = q ? '?q=' + encodeURIComponent(q) : location.pathname;
      // Keeps the query in the address bar; some browsers refuse it on file://.
      try { history.replaceState(null, '', url); } catch (e) { /* the results still show */ }
    }
    var id = ++asked;
    list.textContent = '';
    list.hidden = true;
    more.hidden = true;
    more.textContent = MSG.more;
    if (!q) {
      document.title = title;
      say(MSG.hint);
      return;
    }
    document.title = msg('title', q) + ' | ' + title.replace(/^[^|]*\| /, '');
    say(MSG.searching);
    start().then(function (e) { return e.search(q); }).then(function (r) {
      if (id !== asked) return;
      var n = r.docs.length;
      if (!n) { say(msg('none', q)); return; }
      return page(r, 0, id).then(function () {
        if (id !== asked) return;
        say(msg((n === 1 ? 'one' : 'many') + (r.partial ? '-partial' : ''), q, n));
      });
    }).catch(function () { if (id === asked) failed(); });
  }

  form.addEventListener('submit', function (e) { e.preventDefault(); clearTimeout(timer); run(); });
  input.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(run, 250); });
  input.value = new URLSearchParams(location.search).get('q') || '';
  if (input.value) run(false); else { say(MSG.hint); start().catch(function () { /* tried again on the first search */ }); }
})();
