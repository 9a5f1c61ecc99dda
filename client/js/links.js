// @ts-check
// Links in message text: the http and https URLs a message contains, as
// segments of plain text and links, for the view to build as DOM nodes
// (text nodes and <a> elements, never HTML). Nothing else becomes a link: no
// javascript:, data:, file: or other scheme, and no address without a
// scheme. Pure: no DOM.

/**
 * A piece of a message's text: plain text, or a link with the address to
 * open (href) and the text as written.
 * @typedef {{text: string, href?: string}} Segment
 */

/** A URL as written in text: the scheme, then anything but spaces and quotes. */
const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"'`]+/gi;
/** Punctuation that ends a sentence rather than a URL. */
const TRAILING = /[.,;:!?*_~]$/;
/** Closing brackets, kept when the URL opened them: https://en.wikipedia.org/wiki/Go_(game) */
const CLOSERS = /** @type {Record<string, string>} */ ({ ')': '(', ']': '[', '}': '{' });

/**
 * safeHref is the address a link may open for a URL written in text: the
 * URL normalised, when it parses and its scheme is http or https with a
 * host; '' otherwise.
 * @param {string} s
 * @returns {string}
 */
export function safeHref(s) {
  let u;
  try {
    u = new URL(s);
  } catch {
    return '';
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || !u.hostname) return '';
  return u.href;
}

/**
 * trimURL drops what follows a URL in prose: a full stop, a comma, a
 * closing bracket that the URL did not open.
 * @param {string} s
 * @returns {string}
 */
function trimURL(s) {
  for (;;) {
    const last = s.at(-1) ?? '';
    const open = CLOSERS[last];
    if (TRAILING.test(last)) {
      s = s.slice(0, -1);
    } else if (open && count(s, open) < count(s, last)) {
      s = s.slice(0, -1);
    } else {
      return s;
    }
  }
}

/**
 * @param {string} s
 * @param {string} c
 */
function count(s, c) {
  return s.split(c).length - 1;
}

/**
 * splitLinks cuts text into plain segments and links. Joined, the segments'
 * texts are the text.
 * @param {string} text
 * @returns {Segment[]}
 */
export function splitLinks(text) {
  /** @type {Segment[]} */
  const out = [];
  let at = 0;
  const plain = (/** @type {number} */ end) => {
    if (end > at) {
      const prev = out.at(-1);
      if (prev && !prev.href) prev.text += text.slice(at, end);
      else out.push({ text: text.slice(at, end) });
    }
    at = end;
  };
  for (const m of text.matchAll(URL_IN_TEXT)) {
    const start = m.index ?? 0;
    const url = trimURL(m[0]);
    const href = safeHref(url);
    if (!href) continue;
    plain(start);
    out.push({ text: url, href });
    at = start + url.length;
  }
  plain(text.length);
  return out;
}
