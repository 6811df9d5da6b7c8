/*
 * TikTok desktop scraper: paste into the browser console on tiktok.com while a video is open in
 * the layout that shows the comment section (click any video in the default feed to get it).
 *
 *     results = await scrape_tiktoks(100, {timeout: 10000, maxComments: 20});
 *     copy(JSON.stringify(results));   // then save as data/info/batch_N.json and run
 *                                       // python -m pipeline.ingest data/info/
 *
 * For each of n videos it records the study's batch format (see STUDY.md): id, web-id,
 * permalink, video-src, coverphoto-src, music-src, music-title, like-count, comment-count,
 * creator-username, creator-nickname, timeposted, description, comments [{commenter-username,
 * comment-text, time-posted, like-count, replies-count}], scrape-timestamp (Unix seconds);
 * then it clicks "next video" and waits for the new one.
 *
 * Instead of sleeping a fixed time (the 2022 version's `delay`), it waits with a
 * MutationObserver until the new video's details and its first comments are in the page, up
 * to `timeout` ms (a video with "0" comments does not wait). Then it scrolls the comment list
 * to load more, until `maxComments` top-level comments are loaded or no more arrive within
 * `scrollTimeout` ms. A video whose comments did not arrive in time is still recorded (with
 * the comments it has) and reported in the console. Replies are counted, not expanded.
 *
 * TikTok renames its CSS classes often; the selectors below use its data-e2e attributes where
 * it has them and class-name fragments elsewhere. If TikTok changes its markup, patch
 * SCRAPER_SELECTORS in the console before calling scrape_tiktoks.
 */
var SCRAPER_SELECTORS = {
  video: '[data-e2e="browse-video"] video, video',
  cover: '[data-e2e="browse-video"] img, img[class*="ImgPoster"]',
  likeCount: '[data-e2e="browse-like-count"]',
  commentCount: '[data-e2e="browse-comment-count"]',
  username: '[data-e2e="browse-username"]',
  nickname: '[data-e2e="browser-nickname"]',          // "<span>Nick</span> · <span>16h ago</span>"
  description: '[data-e2e="browse-video-desc"]',
  music: '[data-e2e="browse-music"] a, a[href*="/music/"]',
  commentItem: '[class*="DivCommentItemContainer"]',
  commentUsername: '[data-e2e="comment-username-1"]',
  commentText: '[data-e2e="comment-level-1"]',
  commentTime: '[class*="CommentSubContent"] span, [data-e2e="comment-time-1"]',
  commentLikes: '[data-e2e="comment-like-count"]',
  commentReplies: '[data-e2e="view-more-1"]',         // "View 9 replies"
  next: '[data-e2e="arrow-right"], button[data-e2e="arrow-right"]',
};

// Resolve to true as soon as predicate() holds, checked on every DOM mutation (and every
// 250 ms for changes that are not mutations, like a URL change), or to false after timeout ms.
function wait_for(predicate, timeout) {
  return new Promise((resolve) => {
    let done = false, observer = null, timer = null, poll = null;
    const finish = (value) => {
      if (done) return;
      done = true;
      if (observer) observer.disconnect();
      clearTimeout(timer);
      clearInterval(poll);
      resolve(value);
    };
    const check = () => { try { if (predicate()) finish(true); } catch (e) { /* not yet */ } };
    check();
    if (done) return;
    observer = new MutationObserver(check);
    observer.observe(document.documentElement, {childList: true, subtree: true,
                                                characterData: true, attributes: true});
    poll = setInterval(check, 250);
    timer = setTimeout(() => finish(false), timeout);
  });
}

function _q(selector, root) { return (root || document).querySelector(selector); }
function _text(selector, root) {
  const el = _q(selector, root);
  return el ? el.textContent.replace(/\s+/g, ' ').trim() : '';
}
function _at(name) { return name && !name.startsWith('@') ? '@' + name : name; }

function current_id() {
  const m = location.pathname.match(/\/video\/(\d+)/);
  return m ? m[1] : null;
}

function comment_items() {
  return Array.from(document.querySelectorAll(SCRAPER_SELECTORS.commentItem));
}

function _scrollable(el) {
  for (let p = el && el.parentElement; p; p = p.parentElement) {
    const style = getComputedStyle(p);
    if (/(auto|scroll)/.test(style.overflowY) && p.scrollHeight > p.clientHeight) return p;
  }
  return document.scrollingElement;
}

function extract_comment(item) {
  const replies = _text(SCRAPER_SELECTORS.commentReplies, item).match(/[\d.]+[KM]?/i);
  return {
    'commenter-username': _at(_text(SCRAPER_SELECTORS.commentUsername, item)),
    'comment-text': _text(SCRAPER_SELECTORS.commentText, item),
    'time-posted': _text(SCRAPER_SELECTORS.commentTime, item),
    'like-count': _text(SCRAPER_SELECTORS.commentLikes, item),
    'replies-count': replies ? replies[0] : '',
  };
}

function extract_tiktok_information() {
  const S = SCRAPER_SELECTORS;
  const video = _q(S.video);
  const source = video && _q('source', video);
  const cover = _q(S.cover) || (video && video.poster ? {src: video.poster} : null);
  const music = _q(S.music);
  const nick = _q(S.nickname);
  const spans = nick ? Array.from(nick.querySelectorAll('span')).map((s) => s.textContent.trim())
    .filter((t) => t && t !== '·') : [];
  const url = new URL(location.href);
  return {
    'video-src': video ? (video.currentSrc || video.src || (source && source.src) || '') : '',
    'coverphoto-src': cover ? cover.src : '',
    'permalink': location.href,
    'web-id': url.searchParams.get('web_id') ||
              ((document.cookie.match(/tt_webid(?:_v2)?=(\d+)/) || [])[1] || ''),
    'id': current_id(),
    'like-count': _text(S.likeCount),
    'comment-count': _text(S.commentCount),
    'creator-username': _at(_text(S.username)),
    'creator-nickname': spans.length ? spans[0] : _text(S.nickname),
    'timeposted': spans.length > 1 ? spans[spans.length - 1] : '',
    'music-title': music ? music.textContent.replace(/\s+/g, ' ').trim() : '',
    'music-src': music ? music.href : '',
    'description': _text(S.description),
    'comments': [],
    'scrape-timestamp': Date.now() / 1000,
  };
}

// Scroll the comment list until max comments are loaded or no more arrive in time.
async function load_comments(max, scrollTimeout) {
  let items = comment_items();
  while (items.length < max && items.length > 0) {
    const before = items.length;
    const last = items[items.length - 1];
    last.scrollIntoView({block: 'end'});
    const box = _scrollable(last);
    box.scrollTop = box.scrollHeight;
    box.dispatchEvent(new Event('scroll'));
    if (!(await wait_for(() => comment_items().length > before, scrollTimeout))) break;
    items = comment_items();
  }
  return items.slice(0, max);
}

async function scrape_tiktoks(n, options) {
  // scrape_tiktoks(n, 2000) still works: a number is taken as the timeout
  const opts = Object.assign({timeout: 10000, maxComments: 20, scrollTimeout: 3000},
                             typeof options === 'number' ? {timeout: options} : (options || {}));
  const results = [];
  const seen = new WeakSet();      // comment nodes of videos already scraped
  let previous = null;
  for (let i = 0; i < n; i++) {
    // the new video: its id in the URL and its details rendered
    await wait_for(() => current_id() && current_id() !== previous &&
                         _text(SCRAPER_SELECTORS.likeCount) !== '', opts.timeout);
    const zero = () => /^0?$/.test(_text(SCRAPER_SELECTORS.commentCount));
    const arrived = await wait_for(() => zero() ||
      comment_items().some((c) => !seen.has(c)), opts.timeout);
    const info = extract_tiktok_information();
    if (info.id === null || info.id === previous) {
      console.warn(`scrape_tiktoks: video ${i + 1} did not load within ${opts.timeout} ms; stopping`);
      break;
    }
    const items = zero() ? [] : (await load_comments(opts.maxComments, opts.scrollTimeout))
      .filter((c) => !seen.has(c));
    info.comments = items.map(extract_comment);
    comment_items().forEach((c) => seen.add(c));
    if (!arrived) console.warn(`scrape_tiktoks: comments of ${info.id} did not load within ` +
                               `${opts.timeout} ms`);
    results.push(info);
    previous = info.id;
    console.log(`scraped ${i + 1}/${n}: ${info.id} (${info.comments.length} comments)`);
    if (i < n - 1) {
      const next = _q(SCRAPER_SELECTORS.next);
      if (!next) { console.warn('scrape_tiktoks: no next-video button; stopping'); break; }
      next.click();
    }
  }
  return results;
}

if (typeof module !== 'undefined' && module.exports) {
  module.exports = {scrape_tiktoks, extract_tiktok_information, wait_for, SCRAPER_SELECTORS};
}
