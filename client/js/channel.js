// @ts-check
// One channel as far as this client has it: its messages (by offset, each
// once) and its position in the channel's stream, an epoch and an offset.
// The epoch names the stream (the server makes a new one when the stream went
// back: Redis lost data, a failover lost the last writes); the position is
// the last offset received in order. A rejoin asks for what follows it, in
// that epoch; a live message past it shows a gap; one at or below it is a
// duplicate.

/** @typedef {import('./protocol.js').Message} Message */

/**
 * What a join reply says besides its messages.
 * @typedef {object} JoinInfo
 * @property {boolean} [recovered] true: the messages are all that followed since
 * @property {string} [epoch] the stream's epoch (newer servers)
 * @property {number} [offset] the stream's last offset when the reply was read
 */

/**
 * What became of a live message: added after the position; a duplicate (at
 * or below it, or a message held already); a gap (more than one past it:
 * something was missed); a conflict (another message than the one held at
 * its offset: the stream went back without a new epoch).
 * @typedef {'added' | 'duplicate' | 'gap' | 'conflict'} Accepted
 */

/**
 * mergeMessages returns list with the messages of incoming that it lacks,
 * sorted by Offset. A message is the same as one in list when it has the
 * same Offset, the same UUID (stored twice by a retried command), or the
 * same sender and ClientID (a retried send).
 *
 * @param {Message[]} list sorted by Offset
 * @param {Message[]} incoming in any order
 * @returns {{list: Message[], added: Message[]}} list is a new array when
 *   something was added
 */
export function mergeMessages(list, incoming) {
  const offsets = new Set(list.map((m) => m.Offset));
  const uuids = new Set(list.filter((m) => m.UUID).map((m) => m.UUID));
  const ids = new Set(list.filter((m) => m.ClientID).map(clientKey));
  /** @type {Message[]} */
  const added = [];
  for (const m of incoming) {
    if (!usable(m) || offsets.has(m.Offset) || (m.UUID && uuids.has(m.UUID))) continue;
    if (m.ClientID) {
      const k = clientKey(m);
      if (ids.has(k)) continue;
      ids.add(k);
    }
    offsets.add(m.Offset);
    if (m.UUID) uuids.add(m.UUID);
    added.push(m);
  }
  if (added.length === 0) return { list, added };
  const out = list.concat(added);
  out.sort((a, b) => a.Offset - b.Offset);
  return { list: out, added };
}

/** @param {Message} m */
function clientKey(m) {
  return m.SenderUUID + '\n' + m.ClientID;
}

/**
 * @param {any} m
 * @returns {m is Message}
 */
function usable(m) {
  return !!m && typeof m.Offset === 'number' && m.Offset > 0;
}

export class ChannelLog {
  /** @param {string} key the channel's recipientUUID: GENERAL or the other user's UUID */
  constructor(key) {
    this.key = key;
    /** @type {Message[]} sorted by Offset, each once */
    this.messages = [];
    /** a join reply has filled it: joining again may ask for what follows */
    this.loaded = false;
    /** the server has older messages than the first here */
    this.hasMore = false;
    /** a channelHistory request is in flight */
    this.loadingOlder = false;
    /** the stream's epoch from the last join reply, '' when the server sent none */
    this.epoch = '';
    /** the last offset received in order: what a rejoin's since asks to follow */
    this.position = 0;
  }

  /** The first offset held, 0 for none. */
  get first() {
    return this.messages.length ? this.messages[0].Offset : 0;
  }

  /** The last offset held, 0 for none. */
  get last() {
    return this.messages.length ? this.messages[this.messages.length - 1].Offset : 0;
  }

  /**
   * add merges msgs in (history, a join reply) and returns those that were
   * new. The position does not move: older messages are not news.
   * @param {Message[]} msgs
   */
  add(msgs) {
    const r = mergeMessages(this.messages, msgs);
    this.messages = r.list;
    return r.added;
  }

  /**
   * join takes a join reply. It extends what is held when the reply says it
   * recovered everything since the position in the same epoch; otherwise
   * (first join, a stream reset, too much missed, an older server) the
   * reply's page replaces the messages held.
   * @param {Message[]} messages oldest first
   * @param {JoinInfo} info
   * @returns {{added: Message[], reset: boolean}}
   */
  join(messages, info) {
    const epoch = typeof info.epoch === 'string' ? info.epoch : '';
    const reset = !this.loaded || info.recovered !== true || (!!this.epoch && !!epoch && epoch !== this.epoch);
    if (reset) {
      this.messages = [];
      this.position = 0;
      this.epoch = '';
    }
    const added = this.add(messages);
    if (epoch) this.epoch = epoch;
    const offset = typeof info.offset === 'number' && info.offset > 0 ? info.offset : 0;
    this.position = Math.max(this.position, this.last, offset);
    this.loaded = true;
    this.hasMore = this.first > 1;
    return { added, reset };
  }

  /**
   * accept takes a live message of a channel joined on this connection.
   * @param {Message} msg
   * @returns {Accepted}
   */
  accept(msg) {
    if (!usable(msg)) return 'duplicate';
    const o = msg.Offset;
    if (o <= this.position) {
      const held = this.at(o);
      return held && held.UUID && msg.UUID && held.UUID !== msg.UUID ? 'conflict' : 'duplicate';
    }
    if (o > this.position + 1) return 'gap';
    this.position = o;
    return this.add([msg]).length > 0 ? 'added' : 'duplicate';
  }

  /**
   * extend takes a message of a channel not joined on this connection (a
   * notify, a late frame of a channel just left) when it follows the
   * position, so the log stays gapless; anything else waits for the next
   * join, whose since asks for it.
   * @param {Message} msg
   * @returns {boolean} it was added
   */
  extend(msg) {
    if (!this.loaded || !usable(msg) || msg.Offset !== this.position + 1) return false;
    this.position = msg.Offset;
    return this.add([msg]).length > 0;
  }

  /**
   * at returns the message held at an offset.
   * @param {number} offset
   * @returns {Message | undefined}
   */
  at(offset) {
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const m = this.messages[i];
      if (m.Offset === offset) return m;
      if (m.Offset < offset) return undefined;
    }
    return undefined;
  }

  /** forget drops what is held: the next join starts afresh (no since). */
  forget() {
    this.messages = [];
    this.loaded = false;
    this.hasMore = false;
    this.loadingOlder = false;
    this.epoch = '';
    this.position = 0;
  }
}
