// @ts-check
// The client's model of the chat: who I am, the users, each channel's
// messages (ordered by offset, each once), read positions and unread counts
// (unread.js), the messages typed here that the server has not confirmed
// yet, and who is typing. No DOM and no socket: the app feeds it frames and
// the views read it.

import { ChannelLog } from './channel.js';
import { GENERAL, channelOf } from './protocol.js';
import { ReadPositions } from './unread.js';

/** @typedef {import('./protocol.js').Message} Message */
/** @typedef {import('./protocol.js').User} User */

/** @typedef {import('./outbox.js').Outgoing} Outgoing */

export class ChatState {
  constructor() {
    /** @type {User | null} */
    this.me = null;
    /** @type {Map<string, User>} */
    this.users = new Map();
    this.usersTotal = 0;
    /** @type {Map<string, ChannelLog>} */
    this.channels = new Map();
    /** read positions and unread counts, per channel */
    this.reads = new ReadPositions();
    /** the open channel's key */
    this.current = GENERAL;
    /** @type {Outgoing[]} */
    this.outbox = [];
    /** @type {Map<string, {name: string, channel: string, until: number}>} by user UUID */
    this.typing = new Map();
  }

  /** reset forgets everything: after signing out. */
  reset() {
    Object.assign(this, new ChatState());
  }

  /**
   * channel returns the log of a channel, made on first use.
   * @param {string} key
   */
  channel(key) {
    let log = this.channels.get(key);
    if (!log) {
      log = new ChannelLog(key);
      this.channels.set(key, log);
    }
    return log;
  }

  /** The open channel's log. */
  get open() {
    return this.channel(this.current);
  }

  /**
   * setMe records the signed-in user. Another user than before starts from
   * scratch.
   * @param {string} uuid
   * @param {string} username
   */
  setMe(uuid, username) {
    if (this.me && this.me.UUID !== uuid) this.reset();
    this.me = { UUID: uuid, Username: username, OnLine: true };
  }

  /**
   * setUsers takes a users reply. Users it leaves out (beyond the server's
   * limit, which lists online users first) are kept as offline.
   * @param {User[]} list
   * @param {number} total
   */
  setUsers(list, total) {
    const seen = new Set();
    for (const u of list) {
      if (!u || !u.UUID) continue;
      seen.add(u.UUID);
      this.users.set(u.UUID, { UUID: u.UUID, Username: u.Username, OnLine: !!u.OnLine });
    }
    for (const [id, u] of this.users) if (!seen.has(id)) u.OnLine = false;
    this.usersTotal = Math.max(total || 0, this.users.size);
  }

  /**
   * upsertUser records a user or their presence; true when they are new.
   * @param {Partial<User> & {UUID: string}} u
   * @param {boolean} [presence] u.OnLine is news (a presence push)
   */
  upsertUser(u, presence = true) {
    const old = this.users.get(u.UUID);
    if (old) {
      if (u.Username) old.Username = u.Username;
      if (presence && typeof u.OnLine === 'boolean') old.OnLine = u.OnLine;
      return false;
    }
    this.users.set(u.UUID, { UUID: u.UUID, Username: u.Username ?? '', OnLine: presence && !!u.OnLine });
    this.usersTotal = Math.max(this.usersTotal, this.users.size);
    return true;
  }

  /**
   * people lists the other users for the channel list: online first, then
   * by name.
   * @returns {User[]}
   */
  people() {
    const me = this.me?.UUID;
    return [...this.users.values()]
      .filter((u) => u.UUID !== me)
      .sort((a, b) => Number(b.OnLine) - Number(a.OnLine) ||
        a.Username.localeCompare(b.Username, undefined, { sensitivity: 'base' }) ||
        a.UUID.localeCompare(b.UUID));
  }

  /** openChannel makes key the open channel; it stays unread until seen (ChatApp.seen). @param {string} key */
  openChannel(key) {
    this.current = key;
    this.channel(key);
    this.reads.opened(key);
  }

  /**
   * positionFor is what a (re)join of key asks to follow, when the channel
   * was loaded before: since, the last offset received in order, and the
   * stream's epoch when the server named one.
   * @param {string} key
   * @returns {{since: number, epoch?: string} | undefined}
   */
  positionFor(key) {
    const log = this.channels.get(key);
    if (!log || !log.loaded) return undefined;
    return log.epoch ? { since: log.position, epoch: log.epoch } : { since: log.position };
  }

  /**
   * applyJoin takes a channelJoin reply. When it recovered everything since
   * the position, in the same epoch, its messages extend what is held;
   * otherwise (first join, stream reset, too much missed) its page replaces
   * the channel's messages. Unsent messages stay in the outbox either way.
   * @param {string} key
   * @param {Message[]} messages oldest first
   * @param {import('./channel.js').JoinInfo} [info]
   * @returns {{added: Message[], reset: boolean}}
   */
  applyJoin(key, messages, info = {}) {
    const log = this.channel(key);
    const r = log.join(messages, info);
    this.reads.arrived(key, Math.max(log.last, typeof info.offset === 'number' ? info.offset : 0));
    this.confirm(messages);
    return r;
  }

  /** dropChannels forgets every channel's messages and read positions: they are of data the server lost. */
  dropChannels() {
    this.channels = new Map();
    this.reads = new ReadPositions();
  }

  /**
   * applyHistory takes a channelHistory reply: older messages.
   * @param {string} key
   * @param {Message[]} messages
   * @param {boolean} hasMore
   */
  applyHistory(key, messages, hasMore) {
    const log = this.channel(key);
    const added = log.add(messages);
    log.hasMore = !!hasMore && log.first > 1;
    log.loadingOlder = false;
    this.confirm(messages);
    return added;
  }

  /**
   * applyLive takes a channelMessage push. In the channel joined on this
   * connection it reports a gap or a conflict (see ChannelLog.accept), for
   * the caller to rejoin; elsewhere (before the join reply, a late frame of
   * a channel just left) it only extends a gapless log, and the next join's
   * since asks for the rest.
   * @param {Message} msg
   * @param {string | null} joined the channel whose join reply came on this connection
   * @returns {{key: string, added: boolean, own: boolean, result: import('./channel.js').Accepted}}
   */
  applyLive(msg, joined) {
    const me = this.me?.UUID ?? '';
    const key = channelOf(msg, me);
    const own = msg.SenderUUID === me;
    const log = this.channel(key);
    if (msg.Sender?.UUID) this.upsertUser(msg.Sender, false);
    this.confirm([msg]);
    this.typing.delete(msg.SenderUUID);
    /** @type {import('./channel.js').Accepted} */
    let result;
    if (key === joined && log.loaded) result = log.accept(msg);
    else result = log.extend(msg) ? 'added' : 'duplicate';
    this.reads.arrived(key, msg.Offset, own);
    return { key, added: result === 'added', own, result };
  }

  /**
   * applyNotify takes a notify push: a private message in a channel this
   * connection has not joined.
   * @param {string} key the other user's UUID
   * @param {Message} msg
   */
  applyNotify(key, msg) {
    if (msg?.Sender?.UUID) this.upsertUser(msg.Sender, false);
    const log = this.channel(key);
    if (!msg) return;
    log.extend(msg);
    this.reads.arrived(key, msg.Offset, msg.SenderUUID === this.me?.UUID);
    this.typing.delete(msg.SenderUUID);
  }

  /** unreadTotal is the sum of the unread counts. */
  unreadTotal() {
    return this.reads.total();
  }

  /**
   * addOutgoing records a message typed here.
   * @param {string} channel
   * @param {string} text
   * @param {string} clientID
   * @param {number} now ms
   * @returns {Outgoing}
   */
  addOutgoing(channel, text, clientID, now) {
    /** @type {Outgoing} */
    const o = { clientID, channel, text, createdAt: new Date(now).toISOString(), sentEpoch: 0, sentAt: 0, tries: 0 };
    this.outbox.push(o);
    return o;
  }

  /**
   * confirm drops from the outbox the messages that msgs show stored: mine
   * by clientID, and those kept from lost data by clientID alone (stored
   * under the account that is gone, before the loss was noticed).
   * @param {Message[]} msgs
   * @returns {number} how many were dropped
   */
  confirm(msgs) {
    const me = this.me?.UUID;
    if (!me || this.outbox.length === 0) return 0;
    const mine = new Set();
    const any = new Set();
    for (const m of msgs) {
      if (!m || !m.ClientID) continue;
      any.add(m.ClientID);
      if (m.SenderUUID === me) mine.add(m.ClientID);
    }
    if (any.size === 0) return 0;
    const before = this.outbox.length;
    this.outbox = this.outbox.filter((o) => !mine.has(o.clientID) && !(o.lost && any.has(o.clientID)));
    return before - this.outbox.length;
  }

  /**
   * pending lists the unconfirmed messages of a channel, oldest first.
   * General also shows those kept from lost data whose channel is gone.
   * @param {string} key
   */
  pending(key) {
    return this.outbox.filter((o) => o.channel === key || (key === GENERAL && o.lost && !this.users.has(o.channel)));
  }

  /**
   * setTyping records that a user types in a channel until a time.
   * @param {string} key
   * @param {User} user
   * @param {number} until ms
   */
  setTyping(key, user, until) {
    if (!user?.UUID || user.UUID === this.me?.UUID) return;
    this.typing.set(user.UUID, { name: user.Username, channel: key, until });
  }

  /**
   * typingIn lists the names of the users typing in a channel at now.
   * @param {string} key
   * @param {number} now ms
   * @returns {string[]}
   */
  typingIn(key, now) {
    const names = [];
    for (const [id, t] of this.typing) {
      if (t.until <= now) this.typing.delete(id);
      else if (t.channel === key) names.push(t.name);
    }
    return names.sort();
  }
}
