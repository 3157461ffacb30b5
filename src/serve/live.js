// The live-reload client `site serve` injects into every HTML page (never into `site build`).
// On a newer build it fetches the open page again and patches the DOM in place, so the scroll
// position, the focused element (and the caret and text of an input) and open <details> stay as
// they are; it reloads instead when the page's <head> or any <script> changed, or the fetch
// fails. A failed build shows its diagnostics as an overlay (as text, never as HTML) over the
// last good page; the next good build removes it.
(() => {
  let version = __VERSION__;
  const key = "site-scroll:" + location.pathname;
  const saved = sessionStorage.getItem(key);
  if (saved !== null) {
    sessionStorage.removeItem(key);
    const go = () => scrollTo(0, +saved);
    document.readyState === "complete" ? go() : addEventListener("load", go);
  }
  const ours = (node) => node.nodeType === 1 && (node.id === "site-live" || node.id === "site-error-overlay");
  let box = null;
  let busy = false;
  let again = false;
  const events = new EventSource("__EVENTS__");

  const reload = () => {
    events.close();
    sessionStorage.setItem(key, String(scrollY));
    location.reload();
  };

  // What must be equal for a patch to be enough: the head, and every script but ours.
  const scripts = (doc) => [...doc.querySelectorAll("script")].filter((s) => !ours(s)).map((s) => s.outerHTML).join("\n");
  const head = (doc) => [...doc.head.children].filter((n) => !ours(n)).map((n) => n.outerHTML).join("\n");

  const attributes = (from, to) => {
    for (const { name } of [...to.attributes]) {
      // An open <details> stays open; the page's own markup decides only when it first loads.
      if (!from.hasAttribute(name) && !(name === "open" && to.tagName === "DETAILS")) to.removeAttribute(name);
    }
    for (const { name, value } of [...from.attributes]) {
      if (to.getAttribute(name) !== value) to.setAttribute(name, value);
    }
  };

  // Makes the children of `live` match those of `next`, keeping every node that can stay.
  const morph = (next, live) => {
    const wanted = [...next.childNodes].filter((n) => !ours(n));
    const have = [...live.childNodes].filter((n) => !ours(n));
    wanted.forEach((node, i) => {
      const old = have[i];
      const same = old && old.nodeType === node.nodeType && old.nodeName === node.nodeName;
      if (!same) {
        const made = document.importNode(node, true);
        old ? live.replaceChild(made, old) : live.insertBefore(made, live.querySelector(":scope > #site-live"));
      } else if (node.nodeType === 1) {
        attributes(node, old);
        morph(node, old);
      } else if (old.nodeValue !== node.nodeValue) {
        old.nodeValue = node.nodeValue;
      }
    });
    have.slice(wanted.length).forEach((n) => n.remove());
  };

  const update = async () => {
    if (busy) { again = true; return; }
    busy = true;
    try {
      const reply = await fetch(location.href, { cache: "no-store" });
      if (!reply.ok) return reload();
      const doc = new DOMParser().parseFromString(await reply.text(), "text/html");
      if (head(doc) !== head(document) || scripts(doc) !== scripts(document)) return reload();
      morph(doc.body, document.body);
      attributes(doc.body, document.body);
      document.dispatchEvent(new CustomEvent("site:patched"));
    } catch (e) {
      return reload();
    } finally {
      busy = false;
    }
    if (again) { again = false; update(); }
  };

  events.onmessage = (e) => {
    const news = JSON.parse(e.data);
    if (news.error) {
      if (!box) {
        box = document.createElement("pre");
        box.id = "site-error-overlay";
        box.setAttribute("role", "alert");
        box.style.cssText = "position:fixed;left:0;right:0;top:0;max-height:70vh;overflow:auto;z-index:2147483647;margin:0;padding:1em;background:#2b0b0b;color:#ffd7d7;font:14px/1.45 ui-monospace,monospace;white-space:pre-wrap;border-bottom:4px solid #e5484d";
        document.body.append(box);
      }
      box.textContent = "The last edit could not be built. Showing the last good version.\n\n" + news.error;
      return;
    }
    if (box) { box.remove(); box = null; }
    if (news.version !== version) {
      version = news.version;
      update();
    }
  };
})();
