// @ts-check
// Links in message text: only http and https URLs become links, cut where
// prose around them begins; every other scheme stays text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { safeHref, splitLinks } from '../js/links.js';

/** links lists the [text, href] of the links splitLinks finds. */
function links(/** @type {string} */ text) {
  return splitLinks(text).filter((s) => s.href).map((s) => [s.text, s.href]);
}

test('http and https URLs become links; the segments join back to the text', () => {
  const text = 'See https://example.com/docs?q=1#top and http://10.0.0.1:8080/x, then reply.';
  assert.deepEqual(links(text), [
    ['https://example.com/docs?q=1#top', 'https://example.com/docs?q=1#top'],
    ['http://10.0.0.1:8080/x', 'http://10.0.0.1:8080/x'],
  ]);
  assert.equal(splitLinks(text).map((s) => s.text).join(''), text);
  assert.deepEqual(splitLinks('https://a.example'), [{ text: 'https://a.example', href: 'https://a.example/' }], 'a whole message');
  assert.deepEqual(links('HTTPS://EXAMPLE.COM/Path'), [['HTTPS://EXAMPLE.COM/Path', 'https://example.com/Path']], 'any case, normalised');
});

test('javascript:, data: and other schemes are never links', () => {
  for (const text of [
    'javascript:alert(document.cookie)',
    'JaVaScRiPt:alert(1)',
    ' javascript://example.com/%0Aalert(1)',
    'data:text/html,<script>alert(1)</script>',
    'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
    'vbscript:msgbox(1)',
    'file:///etc/passwd',
    'ftp://example.com/file',
    'mailto:someone@example.com',
    'www.example.com',
    'example.com/page',
    'https://',
    'xhttps://example.com',
  ]) {
    assert.deepEqual(links(text), [], text);
    assert.equal(splitLinks(text).map((s) => s.text).join(''), text, text);
  }
  for (const s of ['javascript:alert(1)', 'data:text/html,x', 'file:///x', 'blob:https://example.com/1']) {
    assert.equal(safeHref(s), '', s);
  }
  assert.equal(safeHref('https://example.com'), 'https://example.com/');
});

test('an http URL written after another scheme is a link to itself only', () => {
  assert.deepEqual(links('javascript:https://example.com'), [['https://example.com', 'https://example.com/']]);
});

test('punctuation and brackets around a URL stay text', () => {
  assert.deepEqual(links('Read this: https://example.com/a.'), [['https://example.com/a', 'https://example.com/a']]);
  assert.deepEqual(links('(see https://example.com/page)'), [['https://example.com/page', 'https://example.com/page']]);
  assert.deepEqual(links('https://en.wikipedia.org/wiki/Go_(game), a game'), [['https://en.wikipedia.org/wiki/Go_(game)', 'https://en.wikipedia.org/wiki/Go_(game)']]);
  assert.deepEqual(links('"https://example.com/q"'), [['https://example.com/q', 'https://example.com/q']]);
  assert.deepEqual(links('<https://example.com/x>'), [['https://example.com/x', 'https://example.com/x']]);
  assert.deepEqual(links('Done?https://example.com/!'), [['https://example.com/', 'https://example.com/']]);
});

test('markup in a URL is cut off: the link is what precedes it', () => {
  assert.deepEqual(links('https://example.com/<img src=x onerror=alert(1)>'), [['https://example.com/', 'https://example.com/']]);
  assert.deepEqual(links('https://example.com/"onmouseover="alert(1)'), [['https://example.com/', 'https://example.com/']]);
});

test('text without URLs is one plain segment, empty text none', () => {
  assert.deepEqual(splitLinks('just words'), [{ text: 'just words' }]);
  assert.deepEqual(splitLinks(''), []);
});
