//! The fast path of `serve`: edits to existing articles that leave the site's shape alone (the
//! text, and front matter other than the URL), and edits to the intro of a section, the
//! home page or a tag that leave its front matter alone, are put into a copy of the last model
//! instead of assembling it again. The copy shares every unchanged
//! page with the last model (`Arc`); the last model is never changed, so a failed patch leaves
//! nothing to undo.
//!
//! An article's edit qualifies when the article keeps its URL: then no other page's URL
//! changes, and no index moves (pages are kept by source path). Its title, description,
//! dates, weight, references, body and aliases may change (new aliases make a
//! new route table, checked as a full run checks it; their routes come after every page's, so
//! no page's route moves), and so may its draft state when drafts are served and it has no
//! translation (a draft is never another language's version of a page). Its tags may change
//! while every tag it names is declared and every tag it joins or leaves keeps its number of
//! list pages (then no tag's route comes or goes). An intro's
//! edit qualifies when only the text below its front matter changed: its title, slug and
//! weight are in lists and URLs all over the site. The checks that read bodies run again (the
//! new bodies' links, and the anchor references to and from them), the orders an article is
//! in are redone (the site's, its section's, its tags'), and the related lists it can change
//! are redone (`related::Index::update`).

use crate::diagnostic::Diagnostic;
use crate::markdown::Rendered;
use crate::page::{self, Front, Page, Parsed};
use crate::related;
use crate::route::Route;
use crate::site::{self, Memo, Site};
use crate::source::Source;
use rayon::prelude::*;
use std::sync::Arc;

/// What [`patch`] changed.
#[derive(Debug, Clone)]
pub(crate) struct Patched {
    /// The patched model.
    pub(crate) site: Site,
    /// The edited articles, as indices into `pages`.
    pub(crate) pages: Vec<usize>,
    /// The articles whose related lists changed.
    pub(crate) related: Vec<usize>,
    /// The sections whose order was redone.
    pub(crate) sections: Vec<usize>,
    /// Whether the site's newest-first order changed.
    pub(crate) reordered: bool,
    /// The tags whose lists changed: put in the new order, or given or taken an article.
    pub(crate) tags: Vec<usize>,
    /// Whether an article joined or left a tag: the tag index shows how many each has.
    pub(crate) retagged: bool,
    /// Whether the intro of a section, a home page or a tag changed: list pages show them.
    pub(crate) intros: bool,
    /// The new route table, when an edited article's aliases changed.
    pub(crate) routes: Option<Vec<Route>>,
}

/// What the patch needs besides the model and the memo: the last routes and the static files'
/// link targets, to make and check a new route table when an article's aliases change, and
/// whether drafts are served.
pub(crate) struct Given<'a> {
    /// The last good build's routes (their static files are the new table's too).
    pub(crate) routes: &'a [Route],
    /// The paths a link may name a static file by (`asset::link_targets`).
    pub(crate) link_targets: &'a [String],
    /// Whether drafts are served (`site serve` serves them): then a draft is a page like any
    /// other, shown with a note that it is one, but never as another language's version of a
    /// page.
    pub(crate) drafts: bool,
}

/// One article's edit that qualifies: the page's index, its new parse and front matter, and
/// its body when the old one can stay.
type Edit = (
    usize,
    Arc<Parsed>,
    Box<crate::front_matter::ArticleFront>,
    Option<Arc<Rendered>>,
);

/// The edits that qualify: the articles', and the new parses of the intros (sections, home
/// pages, tags) whose text below the front matter changed.
struct Edits {
    articles: Vec<Edit>,
    intros: Vec<Arc<Parsed>>,
}

/// Applies the edits in `changed` (sources that changed since `memo` was made, the memo `site`
/// was assembled with) to a copy of `site`.
///
/// Returns `None` when an edit is more than a patch can do: the caller assembles the whole site
/// instead. Returns the errors when the new bodies are wrong; `site` and `memo` are then as
/// they were.
pub(crate) fn patch(
    site: &Site,
    changed: &[Source],
    memo: &mut Memo,
    shortcodes: &crate::shortcode::Env<'_>,
    given: &Given<'_>,
) -> Option<Result<Patched, Vec<Diagnostic>>> {
    let Edits {
        articles: edits,
        intros,
    } = qualify(site, changed, memo, given.drafts)?;
    let bodies: Vec<(Arc<Rendered>, bool)> = edits
        .par_iter()
        .map(|(_, p, _, body)| match body {
            Some(body) => (Arc::clone(body), false),
            None => (Arc::new(p.render_with(&memo.table, shortcodes)), true),
        })
        .collect();
    let intro_bodies: Vec<Arc<Rendered>> = intros
        .par_iter()
        .map(|p| Arc::new(p.render_with(&memo.table, shortcodes)))
        .collect();
    let mut next = site.clone();
    for ((index, parsed, front, _), (body, _)) in edits.iter().zip(&bodies) {
        next.pages[*index] = Arc::new(page::article(
            parsed,
            front,
            Arc::clone(body),
            site.config.medical,
        ));
    }
    // Each intro's old body, for the anchor check; `None` when it is not in the model.
    let old_intros: Option<Vec<Arc<Rendered>>> = intros
        .iter()
        .zip(&intro_bodies)
        .map(|(parsed, body)| replace_intro(&mut next, parsed, Arc::clone(body)))
        .collect();
    let old_intros = old_intros?;
    let mut errors: Vec<Diagnostic> = bodies
        .iter()
        .filter(|(_, fresh)| *fresh)
        .map(|(b, _)| b)
        .chain(&intro_bodies)
        .flat_map(|b| b.diagnostics.iter().cloned())
        .collect();
    // The bodies made anew (source path, old body, new body).
    let fresh: Vec<(&str, &Rendered, &Rendered)> = edits
        .iter()
        .zip(&bodies)
        .filter(|(_, (_, fresh))| *fresh)
        .map(|((index, ..), _)| {
            let rel = site.pages[*index].rel.as_str();
            (rel, &*site.pages[*index].body, &*next.pages[*index].body)
        })
        .chain(
            intros
                .iter()
                .zip(old_intros.iter().zip(&intro_bodies))
                .map(|(p, (old, new))| (p.source.rel.as_str(), &**old, &**new)),
        )
        .collect();
    if !fresh.is_empty() {
        // The last model passed the check: only links from the new bodies, and to those whose
        // anchors changed, can fail.
        let rels: Vec<&str> = fresh.iter().map(|(rel, ..)| *rel).collect();
        let reanchored: Vec<&str> = fresh
            .iter()
            .filter(|(_, old, new)| old.anchors != new.anchors)
            .map(|(rel, ..)| *rel)
            .collect();
        errors.extend(site::check_anchors_of(&next, &rels, &reanchored));
    }
    drop(fresh);
    if !errors.is_empty() {
        return Some(Err(errors));
    }
    let aliased = edits
        .iter()
        .any(|(index, ..)| site.pages[*index].aliases != next.pages[*index].aliases);
    let routes = if aliased {
        let statics: Vec<String> = given
            .routes
            .iter()
            .filter(|r| matches!(r.kind, crate::route::Kind::Static(_)))
            .map(|r| r.path.clone())
            .collect();
        let routes = crate::route::table(&next, &statics);
        if !site::check_routes(&next, &routes, given.link_targets).is_empty() {
            // A bad or clashing alias: a full run reports it where a build does.
            return None;
        }
        Some(routes)
    } else {
        None
    };
    let indices: Vec<usize> = edits.iter().map(|(index, ..)| *index).collect();
    let retagged = retag(site, &mut next, &indices)?;
    let related = relist(site, &mut next, &indices, memo)?;
    let (sections, reordered, mut tags) = reorder(site, &mut next, &indices);
    for &t in &retagged {
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    for ((index, parsed, ..), (body, _)) in edits.iter().zip(bodies) {
        memo.entries
            .insert(next.pages[*index].rel.clone(), (Arc::clone(parsed), body));
    }
    let patched_intros = !intros.is_empty();
    for (parsed, body) in intros.into_iter().zip(intro_bodies) {
        memo.entries
            .insert(parsed.source.rel.clone(), (parsed, body));
    }
    Some(Ok(Patched {
        site: next,
        pages: indices,
        related,
        sections,
        reordered,
        tags,
        retagged: !retagged.is_empty(),
        intros: patched_intros,
        routes,
    }))
}

/// Puts `body`, the new intro of the section, home page or tag whose file `parsed` is, into
/// `site` with the file's new text (what diagnostics quote); its old body, or `None` when the
/// model has no such intro.
fn replace_intro(site: &mut Site, parsed: &Parsed, body: Arc<Rendered>) -> Option<Arc<Rendered>> {
    let rel = parsed.source.rel.as_str();
    let text = Arc::clone(&parsed.source.text);
    if let Some(home) = site.homes.iter_mut().find(|h| h.rel == rel) {
        home.text = text;
        return Some(std::mem::replace(&mut home.body, body));
    }
    if let Some(s) = site.sections.iter().position(|s| s.rel == rel) {
        let section = &mut Arc::make_mut(&mut site.sections)[s];
        section.text = text;
        return Some(std::mem::replace(&mut section.body, body));
    }
    let t = site.tags.iter().position(|t| t.text.rel == rel)?;
    let tag = &mut Arc::make_mut(&mut site.tags)[t];
    tag.text.text = text;
    Some(std::mem::replace(&mut tag.text.body, body))
}

/// A file's front matter: its text up to where the body starts.
fn front_text(p: &Parsed) -> &str {
    p.source.text.get(..p.body_offset).unwrap_or_default()
}

/// The edits, or `None` when one of them changes the site's shape. With `drafts` (drafts are
/// served), an article may become a draft or stop being one while it has no translation.
fn qualify(site: &Site, changed: &[Source], memo: &Memo, drafts: bool) -> Option<Edits> {
    let mut edits = Vec::new();
    let mut intros = Vec::new();
    for source in changed {
        let (old, old_body) = memo.entries.get(&source.rel)?;
        if site::same_text(&old.source.text, &source.text) {
            continue;
        }
        if !matches!(old.front, Front::Article(_)) {
            // An intro: only the text below the same front matter may change (its body then
            // starts on the same line, so its links' lines are right).
            let parsed = page::parse(source.clone(), &site.langs).ok()?;
            let same_kind = matches!(
                (&parsed.front, &old.front),
                (Front::Section(_), Front::Section(_)) | (Front::Tag(_), Front::Tag(_))
            );
            if !same_kind || parsed.place != old.place || front_text(&parsed) != front_text(old) {
                return None;
            }
            intros.push(Arc::new(parsed));
            continue;
        }
        let index = site
            .pages
            .binary_search_by(|p| p.rel.as_str().cmp(&source.rel))
            .ok()?;
        let mut parsed = page::parse(source.clone(), &site.langs).ok()?;
        if parsed.lang > 0 {
            // As `site::assemble` does: the section's translated slug (a new slug goes the
            // whole way).
            if let Some(section) = site.sections.iter().find(|s| {
                s.lang == parsed.lang && matches!(&parsed.place, page::Place::Article { section: Some(n), .. } if *n == s.name)
            }) {
                let slug = parsed.url.trim_end_matches('/').rsplit('/').next().unwrap_or_default();
                parsed.url = format!("{}{slug}/", section.url);
            }
        }
        let (Front::Article(front), Front::Article(old_front)) = (&parsed.front, &old.front) else {
            return None;
        };
        let alone = || {
            let versions = site.translations.get(&site.pages[index].original);
            versions.is_none_or(|v| v.len() <= 1)
        };
        let same_shape = parsed.url == old.url
            && parsed.place == old.place
            && (front.tags == old_front.tags || declared_once(site, parsed.lang, &front.tags))
            && (front.draft == old_front.draft || (drafts && alone()))
            && front.listed == old_front.listed
            && front.template == old_front.template;
        if !same_shape {
            return None;
        }
        // The body is rendered again only when it, the references it may point to (whose
        // numbers its shortcodes' citations reuse), or the line it starts on changed: its
        // links, anchors and problems carry the file's line numbers.
        let starts = |p: &Parsed| front_text(p).matches('\n').count();
        let body = (parsed.body() == old.body()
            && parsed.references() == old.references()
            && starts(&parsed) == starts(old))
        .then(|| Arc::clone(old_body));
        let front = front.clone();
        edits.push((index, Arc::new(parsed), front, body));
    }
    Some(Edits {
        articles: edits,
        intros,
    })
}

/// Whether `tags` names each tag once, and only tags declared in language `lang`: otherwise
/// the full run reports the error.
fn declared_once(site: &Site, lang: usize, tags: &[String]) -> bool {
    tags.iter()
        .enumerate()
        .all(|(i, name)| site.tag_index(lang, name).is_some() && !tags[..i].contains(name))
}

/// Takes each edited article out of the lists of the tags it left and puts it into the lists
/// of the tags it joined, where the newest-first order places it. Returns the tags whose lists
/// changed, or `None` when one of them gains or loses a list page: a route would come or go,
/// and the caller assembles instead.
fn retag(site: &Site, next: &mut Site, edited: &[usize]) -> Option<Vec<usize>> {
    // Each article whose tags changed: the tags it left and joined. Only listed articles are
    // in a tag's list.
    let mut moves: Vec<(usize, Vec<usize>, Vec<usize>)> = Vec::new();
    for &p in edited {
        let (old, page) = (&site.pages[p], &next.pages[p]);
        if old.tags == page.tags || !page.listed {
            continue;
        }
        let find = |name: &String| site.tag_index(page.lang, name);
        let left = old.tags.iter().filter(|name| !page.tags.contains(name));
        let joined = page.tags.iter().filter(|name| !old.tags.contains(name));
        moves.push((
            p,
            left.map(find).collect::<Option<_>>()?,
            joined.map(find).collect::<Option<_>>()?,
        ));
    }
    if moves.is_empty() {
        return Some(Vec::new());
    }
    let pages = &next.pages;
    let tags = Arc::make_mut(&mut next.tags);
    let mut changed: Vec<usize> = Vec::new();
    for (p, left, joined) in moves {
        for t in left {
            tags[t].pages.retain(|&q| q != p);
            changed.push(t);
        }
        for t in joined {
            let list = &mut tags[t].pages;
            let at = list.partition_point(|&q| site::page_order(&pages[q], &pages[p]).is_lt());
            list.insert(at, p);
            changed.push(t);
        }
    }
    changed.sort_unstable();
    changed.dedup();
    let per = next.config.paginate_by;
    let lists =
        |tags: &[crate::taxonomy::Tag], t: usize| crate::route::tag_pages(tags[t].pages.len(), per);
    changed
        .iter()
        .all(|&t| lists(&site.tags, t) == lists(&next.tags, t))
        .then_some(changed)
}

/// Redoes the related lists the edits can change; the articles whose lists changed, or `None`
/// when the index cannot be updated (the caller assembles instead).
fn relist(site: &Site, next: &mut Site, edited: &[usize], memo: &mut Memo) -> Option<Vec<usize>> {
    let moved: Vec<usize> = edited
        .iter()
        .copied()
        .filter(|&i| related::page_hash(i, &site.pages[i]) != related::page_hash(i, &next.pages[i]))
        .collect();
    if moved.is_empty() {
        return Some(Vec::new());
    }
    let (hashes, index) = memo.related.as_mut()?;
    if !index.update(&next.pages, &next.tags, &moved) {
        // The index may be half updated: let the next assembly build it again.
        memo.related = None;
        return None;
    }
    for &i in &moved {
        hashes[i] = related::page_hash(i, &next.pages[i]);
    }
    next.related = Arc::clone(&index.lists);
    Some(
        (0..next.pages.len())
            .filter(|&p| site.related[p] != next.related[p])
            .collect(),
    )
}

/// Puts the lists an edit may have re-ordered in their new order: the sections' (weight, date
/// or title changed), the site's and its tags' (date or title changed). Returns the sections
/// re-sorted, whether the site's order changed, and the tags re-sorted.
fn reorder(site: &Site, next: &mut Site, edited: &[usize]) -> (Vec<usize>, bool, Vec<usize>) {
    let mut sections = Vec::new();
    let mut tags = Vec::new();
    let mut reordered = false;
    for &index in edited {
        let (old, page): (&Page, &Page) = (&site.pages[index], &next.pages[index]);
        if (old.weight, old.date, &old.title) == (page.weight, page.date, &page.title) {
            continue;
        }
        reordered |= (old.date, &old.title) != (page.date, &page.title);
        if let Some(s) = next
            .sections
            .iter()
            .position(|s| s.lang == page.lang && Some(&s.name) == page.section.as_ref())
        {
            if !sections.contains(&s) {
                sections.push(s);
            }
        }
        for t in page
            .tags
            .iter()
            .filter_map(|name| next.tag_index(page.lang, name))
        {
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
    }
    if !sections.is_empty() {
        let pages = &next.pages;
        let all = Arc::make_mut(&mut next.sections);
        for &s in &sections {
            all[s].pages = reinsert(&all[s].pages, edited, |a, b| {
                site::section_order(&pages[a], &pages[b])
            });
        }
    }
    let order = if reordered {
        let pages = &next.pages;
        reinsert(&next.order, edited, |a, b| {
            site::page_order(&pages[a], &pages[b])
        })
    } else {
        Vec::new()
    };
    let reordered = reordered && order != next.order;
    if reordered {
        next.order = order;
        let mut rank = vec![0; next.pages.len()];
        for (at, &p) in next.order.iter().enumerate() {
            rank[p] = at;
        }
        let all = Arc::make_mut(&mut next.tags);
        for &t in &tags {
            all[t].pages.sort_by_key(|&p| rank[p]);
        }
    } else {
        tags.clear();
    }
    (sections, reordered, tags)
}

/// `list` (sorted by `order` before the edits) sorted again, when only the entries in `edited`
/// may have moved: they are taken out and put back where they now belong. `order` is total
/// (it ends with the URL), so this gives what a full sort gives, in O(n) instead of
/// O(n log n) comparisons that each read two pages.
fn reinsert(
    list: &[usize],
    edited: &[usize],
    order: impl Fn(usize, usize) -> std::cmp::Ordering,
) -> Vec<usize> {
    let moved: Vec<usize> = edited
        .iter()
        .copied()
        .filter(|e| list.contains(e))
        .collect();
    let mut sorted: Vec<usize> = list
        .iter()
        .copied()
        .filter(|p| !moved.contains(p))
        .collect();
    for e in moved {
        let at = sorted.partition_point(|&q| order(q, e) == std::cmp::Ordering::Less);
        sorted.insert(at, e);
    }
    sorted
}
