// @ts-check
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay } from '../js/backoff.js';

const fixed = (/** @type {number} */ r) => () => r;

test('the first attempt waits between half the base and the base', () => {
  assert.equal(backoffDelay(0, { base: 500, random: fixed(0) }), 250);
  assert.equal(backoffDelay(0, { base: 500, random: fixed(0.999999) }), 500);
});

test('the cap doubles with each attempt', () => {
  const top = (/** @type {number} */ n) => backoffDelay(n, { base: 500, max: 1e9, random: fixed(0.999999) });
  assert.deepEqual([0, 1, 2, 3, 4].map(top), [500, 1000, 2000, 4000, 8000]);
});

test('the delay never exceeds max, and never drops below half of it', () => {
  for (let n = 0; n < 100; n++) {
    const d = backoffDelay(n, { base: 500, max: 20000 });
    assert.ok(d <= 20000, `attempt ${n}: ${d}`);
    if (n >= 6) assert.ok(d >= 10000, `attempt ${n}: ${d}`);
  }
});

test('jitter spreads clients cut off together', () => {
  const seen = new Set();
  for (let i = 0; i < 200; i++) seen.add(backoffDelay(3));
  assert.ok(seen.size > 50, `only ${seen.size} distinct delays`);
  for (const d of seen) assert.ok(d >= 2000 && d <= 4000, String(d));
});

test('odd attempts are safe', () => {
  assert.equal(backoffDelay(-3, { random: fixed(0) }), 250);
  assert.equal(backoffDelay(Number.NaN, { random: fixed(0) }), 250);
  assert.ok(backoffDelay(1e9) <= 20000);
});
