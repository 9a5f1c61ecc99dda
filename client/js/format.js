// @ts-check
// Formatting for display: times, days, initials, avatar colours, typing
// sentences. Pure functions, no DOM.

/**
 * parseTime reads a message's CreatedAt (RFC 3339, maybe with nanoseconds).
 * @param {string} s
 * @returns {Date}
 */
export function parseTime(s) {
  // Keep milliseconds only: the date parser's format has three digits.
  const d = new Date(String(s).replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(d.getTime()) ? new Date(0) : d;
}

/**
 * timeLabel is the hour and minute of d in the reader's locale.
 * @param {Date} d
 * @param {string | undefined} [locale]
 * @returns {string}
 */
export function timeLabel(d, locale) {
  return d.toLocaleTimeString(locale, { hour: 'numeric', minute: '2-digit' });
}

/**
 * dayKey is the local calendar day of d, as YYYY-MM-DD.
 * @param {Date} d
 * @returns {string}
 */
export function dayKey(d) {
  const p = (/** @type {number} */ n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/**
 * dayLabel names the day of d as seen on the day now: Today, Yesterday, or
 * a date.
 * @param {Date} d
 * @param {Date} now
 * @param {string | undefined} [locale]
 * @returns {string}
 */
export function dayLabel(d, now, locale) {
  const key = dayKey(d);
  if (key === dayKey(now)) return 'Today';
  const y = new Date(now);
  y.setDate(y.getDate() - 1);
  if (key === dayKey(y)) return 'Yesterday';
  /** @type {Intl.DateTimeFormatOptions} */
  const opts = { weekday: 'long', month: 'long', day: 'numeric' };
  if (d.getFullYear() !== now.getFullYear()) opts.year = 'numeric';
  return d.toLocaleDateString(locale, opts);
}

/**
 * initial is the first character of a name, upper case, for an avatar.
 * Whole code points, so that a name starting with an emoji keeps it.
 * @param {string} name
 * @returns {string}
 */
export function initial(name) {
  const first = Array.from(String(name).trim())[0] ?? '?';
  return first.toLocaleUpperCase();
}

/**
 * hue is a stable colour hue (0-359) for a user ID.
 * @param {string} id
 * @returns {number}
 */
export function hue(id) {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return h % 360;
}

/**
 * typingText is the sentence for the people typing in a channel.
 * @param {string[]} names
 * @returns {string}
 */
export function typingText(names) {
  switch (names.length) {
    case 0:
      return '';
    case 1:
      return `${names[0]} is typing…`;
    case 2:
      return `${names[0]} and ${names[1]} are typing…`;
    default:
      return 'Several people are typing…';
  }
}
