// @ts-check
// Retry delays, the one place of that logic: exponential backoff with full
// jitter, for reconnections (after a deploy's 1012, a 1013, a lost network)
// and for requests the server asked to retry (503, 429).

/**
 * @typedef {object} BackoffOptions
 * @property {number} [base] delay cap of the first attempt, in ms
 * @property {number} [max] largest delay cap, in ms
 * @property {() => number} [random] source of numbers in [0, 1)
 */

/** The reconnection's first cap: a deploy's clients come back over this many ms. */
export const BACKOFF_BASE = 3000;
/** The reconnection's largest cap. */
export const BACKOFF_MAX = 30000;

/** Delays of a request the server asked to retry (503, 429), per try. */
export const RETRY_BACKOFF = Object.freeze({ base: 1000, max: 30000 });

/**
 * backoffCap is the delay cap of attempt number attempt (0 for the first):
 * base, doubled with every attempt, at most max.
 *
 * @param {number} attempt
 * @param {BackoffOptions} [opts]
 * @returns {number} milliseconds
 */
export function backoffCap(attempt, opts = {}) {
  const base = opts.base ?? BACKOFF_BASE;
  const max = opts.max ?? BACKOFF_MAX;
  const n = Math.max(0, Math.min(Math.floor(attempt) || 0, 30));
  return Math.min(max, base * 2 ** n);
}

/**
 * backoffDelay returns how long to wait before attempt number attempt: a
 * random delay in [0, cap) ("full jitter"). A thousand clients closed at
 * once by a deploy spread their returns evenly over the first cap instead of
 * coming back together, and a client that keeps failing waits longer and
 * longer, on average half the cap.
 *
 * @param {number} attempt
 * @param {BackoffOptions} [opts]
 * @returns {number} milliseconds, an integer
 */
export function backoffDelay(attempt, opts = {}) {
  const cap = backoffCap(attempt, opts);
  const r = (opts.random ?? Math.random)();
  const unit = r >= 0 && r < 1 ? r : 0;
  return Math.floor(unit * cap);
}

/**
 * seededRandom returns a reproducible source of numbers in [0, 1)
 * (mulberry32), for tests and simulations of many clients.
 *
 * @param {number} seed
 * @returns {() => number}
 */
export function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
