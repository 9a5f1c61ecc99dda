// @ts-check
// An in-memory Web Storage for the tests: Node has no localStorage or
// sessionStorage. A browser is one localStorage shared by its tabs, and one
// sessionStorage per tab: tab() switches to another tab.

export class MemoryStorage {
  constructor() {
    /** @type {Map<string, string>} */
    this.map = new Map();
  }
  get length() {
    return this.map.size;
  }
  /** @param {number} i */
  key(i) {
    return [...this.map.keys()][i] ?? null;
  }
  /** @param {string} k */
  getItem(k) {
    return this.map.get(k) ?? null;
  }
  /** @param {string} k @param {string} v */
  setItem(k, v) {
    this.map.set(k, String(v));
  }
  /** @param {string} k */
  removeItem(k) {
    this.map.delete(k);
  }
  clear() {
    this.map.clear();
  }
}

/**
 * @param {'localStorage' | 'sessionStorage'} name
 * @param {Storage} s
 */
function install(name, s) {
  Object.defineProperty(globalThis, name, { value: s, configurable: true, writable: true });
}

/**
 * browser starts a fresh browser (empty localStorage) with one fresh tab,
 * and returns a function that opens a new tab (or returns to one) and makes
 * it the current one.
 */
export function browser() {
  install('localStorage', /** @type {any} */ (new MemoryStorage()));
  return newTab();
}

/**
 * newTab switches to a new tab of the current browser: its own, empty
 * sessionStorage. The returned function switches back to it.
 * @returns {() => void}
 */
export function newTab() {
  const s = /** @type {any} */ (new MemoryStorage());
  const enter = () => install('sessionStorage', s);
  enter();
  return enter;
}

/**
 * @param {'localStorage' | 'sessionStorage'} which
 * @param {string} key
 * @returns {any}
 */
export function stored(which, key) {
  const v = globalThis[which].getItem(key);
  return v === null ? null : JSON.parse(v);
}
