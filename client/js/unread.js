// @ts-check
// Unread counts and read positions, per channel, as data. A channel's unread
// count is its last offset minus the read position (PROTOCOL.md, "Read
// positions"): the server's (the channels reply, channelRead replies and
// pushes from the user's other connections), what was seen here, or an own
// message (whoever writes has read what came before), whichever is furthest.
// It also says where the "New since you left" divider goes: after the read
// position of a channel opened with unread messages, or of one the person
// comes back to after messages arrived unseen. Pure: no DOM, no socket.

/**
 * One channel's read position.
 */
export class ReadPosition {
  constructor() {
    /** the channel's last offset, as far as this client knows */
    this.last = 0;
    /** the read position the server stored */
    this.server = 0;
    /** the furthest offset the person saw here */
    this.seen = 0;
    /** the furthest own message: read up to there too, not sent */
    this.own = 0;
    /** the furthest offset sent in a channelRead */
    this.sent = 0;
    /** when it was sent, ms */
    this.sentAt = 0;
  }

  /** the read position: the furthest of the server's, the seen and the own */
  get read() {
    return Math.max(this.server, this.seen, this.own);
  }

  get unread() {
    return Math.max(0, this.last - this.read);
  }

  /** seen here and not yet stored: a channelRead is due */
  get due() {
    return this.seen > Math.max(this.sent, this.server);
  }
}

/**
 * The divider of the open channel: the read position it marks (0: none),
 * whether it was decided (it waits for the channels reply on a fresh load),
 * and how many times it was placed (the view shows it anew each time).
 * @typedef {{key: string | null, at: number, decided: boolean, placed: number}} Divider
 */

/**
 * badgeText is how an unread count shows on a badge.
 * @param {number} n
 */
export function badgeText(n) {
  return n > 99 ? '99+' : String(n);
}

/**
 * titleText is the document's title: the unread total first, so that it
 * shows on the browser's tab ("(3) General · Chat").
 * @param {number} total
 * @param {string} channel the open channel's name
 */
export function titleText(total, channel) {
  return total > 0 ? `(${badgeText(total)}) ${channel} · Chat` : `${channel} · Chat`;
}

/** @param {unknown} n */
const offset = (n) => (typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.floor(n) : 0);

export class ReadPositions {
  constructor() {
    /** @type {Map<string, ReadPosition>} by channel key */
    this.map = new Map();
    /** a channels reply came since these positions were made */
    this.known = false;
    /** @type {Divider} */
    this.divider = { key: null, at: 0, decided: false, placed: 0 };
    /** the open channel's last offset when the person looked away, -1 while they look */
    this.awayLast = -1;
  }

  /**
   * at returns a channel's position, made on first use.
   * @param {string} key
   */
  at(key) {
    let p = this.map.get(key);
    if (!p) {
      p = new ReadPosition();
      this.map.set(key, p);
    }
    return p;
  }

  /** @param {string} key */
  count(key) {
    return this.map.get(key)?.unread ?? 0;
  }

  total() {
    let n = 0;
    for (const p of this.map.values()) n += p.unread;
    return n;
  }

  /**
   * fromChannels takes the channels reply. Positions only move forward:
   * a live message or a read from another device may have come first.
   * @param {any[]} list [{recipientUUID, lastOffset, readOffset}]
   * @returns {string[]} the channels read further here than the server
   *   stored (a channelRead lost in a drop, or read while offline): to send again
   */
  fromChannels(list) {
    for (const c of list) {
      if (!c || typeof c.recipientUUID !== 'string') continue;
      const p = this.at(c.recipientUUID);
      p.last = Math.max(p.last, offset(c.lastOffset));
      p.server = Math.max(p.server, offset(c.readOffset));
    }
    this.known = true;
    this.decide();
    return [...this.map].filter(([, p]) => p.seen > p.server).map(([k]) => k);
  }

  /**
   * arrived: a message (live, notify, a join reply's last offset) is at
   * offset in a channel.
   * @param {string} key
   * @param {number} at
   * @param {boolean} [own] the signed-in user wrote it
   */
  arrived(key, at, own = false) {
    const o = offset(at);
    if (!o) return;
    const p = this.at(key);
    p.last = Math.max(p.last, o);
    if (own) p.own = Math.max(p.own, o);
  }

  /**
   * told: the server stored a read position (a channelRead reply, or a push
   * from another connection of the user).
   * @param {string} key
   * @param {number} at
   */
  told(key, at) {
    const p = this.at(key);
    p.server = Math.max(p.server, offset(at));
    p.last = Math.max(p.last, p.server);
  }

  /**
   * saw: the person saw a channel's messages up to an offset.
   * @param {string} key
   * @param {number} at
   * @returns {boolean} the position moved
   */
  saw(key, at) {
    if (this.divider.key === key) this.decide();
    const o = offset(at);
    const p = this.at(key);
    if (o <= p.seen) return false;
    const before = p.read;
    p.seen = o;
    p.last = Math.max(p.last, o);
    return p.read > before || p.due;
  }

  /**
   * opened: a channel was opened. Another one than before gets its divider
   * decided now, or when the channels reply comes (a fresh load).
   * @param {string} key
   */
  opened(key) {
    if (this.divider.key === key) return;
    this.divider = { key, at: 0, decided: false, placed: this.divider.placed };
    if (this.known) this.decide();
  }

  /** decide places the open channel's divider once: after its read position, when there is unread. */
  decide() {
    const d = this.divider;
    if (d.key === null || d.decided) return;
    const p = this.at(d.key);
    d.at = p.unread > 0 ? p.read : 0;
    d.decided = true;
    if (d.at) d.placed++;
  }

  /** away: the person looks away (another window or tab). */
  away() {
    if (this.awayLast < 0) this.awayLast = this.divider.key === null ? 0 : this.at(this.divider.key).last;
  }

  /**
   * returned: the person looks again (the tab visible and focused).
   * Messages that came meanwhile, unseen, get the divider above them.
   */
  returned() {
    const d = this.divider;
    const since = this.awayLast;
    this.awayLast = -1;
    if (d.key === null || since < 0) return;
    this.decide();
    const p = this.at(d.key);
    if (p.last > since && p.unread > 0 && p.read > 0) {
      d.at = p.read;
      d.placed++;
    }
  }

  /**
   * dividerFor is the offset after which the divider shows in a channel, 0
   * for none. A channel never read (position 0) has none: all of it is new.
   * @param {string} key
   */
  dividerFor(key) {
    return this.divider.key === key && this.divider.decided ? this.divider.at : 0;
  }
}
