// @ts-check
// What the person sees of the open channel: whether they look at all (the
// tab visible and its window focused), and the newest stored message on
// screen in the message pane. The app sends that offset as the read
// position (reads.js), so a message counts as read when it was shown, not
// when it arrived.

/**
 * looking: the person can see the page (the tab is visible and the window
 * has the focus).
 * @param {Document} [doc]
 */
export function looking(doc = document) {
  return doc.visibilityState === 'visible' && doc.hasFocus();
}

/** A message's bottom edge this close below the pane's still counts as shown, in px. */
const EDGE = 2;

/**
 * newestOnScreen is the highest offset among the stored messages the pane
 * shows: a message counts when its bottom edge is on screen, or when it
 * fills the pane (taller than it). 0 when none is, or the pane is hidden.
 * @param {HTMLElement} scroller the scrolling pane
 * @param {HTMLElement} list the message list, in offset order
 * @returns {number}
 */
export function newestOnScreen(scroller, list) {
  const view = scroller.getBoundingClientRect();
  if (view.height <= 0) return 0;
  const items = list.querySelectorAll('li.msg[data-offset]');
  for (let i = items.length - 1; i >= 0; i--) {
    const item = /** @type {HTMLElement} */ (items[i]);
    const r = item.getBoundingClientRect();
    if (r.top >= view.bottom) continue; // below the pane
    if (r.bottom <= view.top) return 0; // this one and all above are above it
    if (r.bottom <= view.bottom + EDGE || r.top <= view.top) return Number(item.dataset.offset) || 0;
    // cut at the bottom: the one above may be shown whole
  }
  return 0;
}
