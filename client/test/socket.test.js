// @ts-check
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BACKOFF_BASE } from '../js/backoff.js';
import { ReconnectingSocket } from '../js/socket.js';

/** A stand-in for the browser's WebSocket. */
class FakeWS {
  /** @type {FakeWS[]} */
  static made = [];
  /** @param {string} url */
  constructor(url) {
    this.url = url;
    /** @type {string[]} */
    this.sent = [];
    this.onopen = () => {};
    this.onmessage = (/** @type {any} */ _e) => {};
    this.onclose = (/** @type {any} */ _e) => {};
    this.onerror = () => {};
    FakeWS.made.push(this);
  }
  /** @param {string} d */
  send(d) { this.sent.push(d); }
  close() { this.onclose({ code: 1000, reason: '' }); }
}

const tick = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

test('reconnects after a close, with growing delays, and resets once stable', async () => {
  FakeWS.made = [];
  /** @type {number[]} */
  const attempts = [];
  let now = 1000;
  const events = /** @type {string[]} */ ([]);
  const s = new ReconnectingSocket({
    url: 'ws://x/ws',
    WebSocketImpl: /** @type {any} */ (FakeWS),
    delay: (n) => { attempts.push(n); return 1; },
    now: () => now,
    onOpen: () => events.push('open'),
    onMessage: (d) => events.push('msg:' + d),
    onDown: (i) => events.push('down:' + i.code),
  });
  s.start();
  assert.equal(s.state, 'connecting');
  assert.equal(s.send('early'), false, 'nothing is sent before open');
  FakeWS.made[0].onopen();
  assert.equal(s.state, 'open');
  assert.equal(s.send('hi'), true);
  assert.deepEqual(FakeWS.made[0].sent, ['hi']);
  FakeWS.made[0].onmessage({ data: 'frame' });
  FakeWS.made[0].onclose({ code: 1012, reason: 'server restart' });
  assert.equal(s.state, 'down');
  await tick(10);
  assert.equal(FakeWS.made.length, 2, 'a second socket');
  FakeWS.made[1].onclose({ code: 1006, reason: '' }); // refused
  await tick(10);
  FakeWS.made[2].onopen();
  now += 60000; // a stable connection
  FakeWS.made[2].onclose({ code: 1013, reason: 'too slow' });
  await tick(10);
  assert.deepEqual(attempts, [0, 1, 0], 'the backoff grows while failing, and restarts after a stable connection');
  assert.deepEqual(events, ['open', 'msg:frame', 'down:1012', 'down:1006', 'open', 'down:1013']);
  s.stop();
  assert.equal(s.state, 'stopped');
});

test('events of a replaced socket are ignored, and stop stops', async () => {
  FakeWS.made = [];
  let opens = 0;
  const s = new ReconnectingSocket({
    url: 'ws://x/ws', WebSocketImpl: /** @type {any} */ (FakeWS), delay: () => 1,
    onOpen: () => opens++, onMessage: () => {}, onDown: () => {},
  });
  s.start();
  const first = FakeWS.made[0];
  first.onclose({ code: 1006, reason: '' });
  s.retryNow();
  assert.equal(FakeWS.made.length, 2);
  first.onopen();
  assert.equal(opens, 0, 'the old socket does not count');
  s.stop();
  await tick(10);
  assert.equal(FakeWS.made.length, 2, 'no reconnection after stop');
});

test('by default a close is followed by a full-jitter delay under the first cap', () => {
  FakeWS.made = [];
  const now = 5000;
  /** @type {number[]} */
  const waits = [];
  for (let i = 0; i < 50; i++) {
    const s = new ReconnectingSocket({
      url: 'ws://x/ws', WebSocketImpl: /** @type {any} */ (FakeWS), now: () => now,
      onOpen: () => {}, onMessage: () => {}, onDown: (info) => waits.push(info.retryAt - now),
    });
    s.start();
    FakeWS.made.at(-1)?.onopen();
    FakeWS.made.at(-1)?.onclose({ code: 1012, reason: 'server restart' });
    s.stop();
  }
  assert.ok(waits.every((w) => w >= 0 && w < BACKOFF_BASE), waits.join(' '));
  assert.ok(new Set(waits).size > 40, 'spread, not one moment');
});
