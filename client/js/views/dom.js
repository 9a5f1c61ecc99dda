// @ts-check
// DOM helpers for the views. Text from users only ever goes in through
// textContent (el's string children): never through innerHTML.

import { hue, initial } from '../format.js';

/**
 * byId returns the element with an id, which the page must have.
 * @template {HTMLElement} T
 * @param {string} id
 * @param {new () => T} [type]
 * @returns {T}
 */
export function byId(id, type) {
  const e = document.getElementById(id);
  if (!e || (type && !(e instanceof type))) throw new Error(`page lacks #${id}`);
  return /** @type {T} */ (e);
}

/**
 * el makes an element with a class, attributes and children; strings become
 * text nodes.
 * @param {string} tag
 * @param {{class?: string, attrs?: Record<string, string>}} [props]
 * @param {...(Node | string | null | undefined | false)} children
 * @returns {HTMLElement}
 */
export function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  if (props.class) e.className = props.class;
  for (const [k, v] of Object.entries(props.attrs ?? {})) e.setAttribute(k, v);
  for (const c of children) {
    if (c == null || c === false) continue;
    e.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return e;
}

/**
 * setAvatar fills an avatar element for a user (or the general channel).
 * @param {HTMLElement} e
 * @param {string} id user UUID, or '' for the general channel
 * @param {string} name
 */
export function setAvatar(e, id, name) {
  const text = id ? initial(name) : '#';
  if (e.firstChild?.nodeType === Node.TEXT_NODE) {
    if (e.firstChild.nodeValue !== text) e.firstChild.nodeValue = text;
  } else {
    e.prepend(document.createTextNode(text));
  }
  e.style.setProperty('--hue', String(id ? hue(id) : 240));
  e.classList.toggle('general', !id);
}

/**
 * setText sets an element's text when it differs, so that live regions do
 * not announce what did not change.
 * @param {Element} e
 * @param {string} text
 */
export function setText(e, text) {
  if (e.textContent !== text) e.textContent = text;
}

/**
 * show shows or hides an element.
 * @param {HTMLElement} e
 * @param {boolean} visible
 */
export function show(e, visible) {
  if (e.hidden === visible) e.hidden = !visible;
}
