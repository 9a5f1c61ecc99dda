// @ts-check
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BACKOFF_BASE, BACKOFF_MAX, RETRY_BACKOFF, backoffCap, backoffDelay, seededRandom } from '../js/backoff.js';

const fixed = (/** @type {number} */ r) => () => r;

test('full jitter: the delay is anywhere in [0, cap)', () => {
  assert.equal(backoffDelay(0, { base: 3000, random: fixed(0) }), 0);
  assert.equal(backoffDelay(0, { base: 3000, random: fixed(0.5) }), 1500);
  assert.equal(backoffDelay(0, { base: 3000, random: fixed(0.999999) }), 2999, 'never the cap itself');
});

test('the reconnection cap starts at a few seconds and doubles up to its max', () => {
  assert.ok(BACKOFF_BASE >= 2000 && BACKOFF_BASE <= 5000, `first cap ${BACKOFF_BASE} ms`);
  assert.deepEqual([0, 1, 2, 3, 4, 5, 10].map((n) => backoffCap(n)), [3000, 6000, 12000, 24000, 30000, 30000, 30000]);
  assert.equal(BACKOFF_MAX, 30000);
  assert.deepEqual([0, 1, 2].map((n) => backoffCap(n, RETRY_BACKOFF)), [1000, 2000, 4000]);
});

test('a thousand clients closed at once by a deploy come back spread over the first cap', () => {
  const random = seededRandom(7);
  const delays = Array.from({ length: 1000 }, () => backoffDelay(0, { random }));
  assert.ok(delays.every((d) => Number.isInteger(d) && d >= 0 && d < BACKOFF_BASE));
  // Ten slices of 300 ms: each gets about a tenth, none a crowd.
  const slices = new Array(10).fill(0);
  for (const d of delays) slices[Math.floor(d / (BACKOFF_BASE / 10))]++;
  for (const [i, n] of slices.entries()) assert.ok(n >= 60 && n <= 140, `slice ${i}: ${n} of 1000`);
  // Within any 100 ms, at most a few percent of them.
  const per100 = new Array(BACKOFF_BASE / 100).fill(0);
  for (const d of delays) per100[Math.floor(d / 100)]++;
  assert.ok(Math.max(...per100) <= 60, `busiest 100 ms: ${Math.max(...per100)} of 1000`);
});

test('the same seed gives the same delays; another seed others', () => {
  const run = (/** @type {number} */ seed) => {
    const random = seededRandom(seed);
    return [0, 1, 2, 3].map((n) => backoffDelay(n, { random }));
  };
  assert.deepEqual(run(42), run(42));
  assert.notDeepEqual(run(42), run(43));
  const r = seededRandom(1);
  for (let i = 0; i < 10000; i++) {
    const x = r();
    assert.ok(x >= 0 && x < 1, String(x));
  }
});

test('the delay never exceeds the largest cap', () => {
  const random = seededRandom(3);
  for (let n = 0; n < 100; n++) {
    const d = backoffDelay(n, { random });
    assert.ok(d >= 0 && d < BACKOFF_MAX, `attempt ${n}: ${d}`);
  }
});

test('odd attempts and odd random sources are safe', () => {
  assert.equal(backoffCap(-3), BACKOFF_BASE);
  assert.equal(backoffCap(Number.NaN), BACKOFF_BASE);
  assert.equal(backoffCap(1e9), BACKOFF_MAX);
  assert.equal(backoffDelay(0, { random: fixed(1) }), 0, 'a source returning 1 does not reach the cap');
  assert.equal(backoffDelay(0, { random: fixed(Number.NaN) }), 0);
  assert.ok(backoffDelay(2) < backoffCap(2), 'Math.random by default');
});
