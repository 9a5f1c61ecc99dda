// @ts-check
// The client's model of the chat: who I am, the users, each channel's
// messages (ordered by offset, each once), unread counts, the messages typed
// here that the server has not confirmed yet, and who is typing. No DOM and
// no socket: the app feeds it frames and the views read it.

import { GENERAL, channelOf } from './protocol.js';

/** @typedef {import('./protocol.js').Message} Message */
/** @typedef {import('./protocol.js').User} User */

/**
 * A message typed here that the server has not confirmed yet. It is sent
 * with its clientID, as often as needed: the server stores it once.
 *
 * @typedef {object} Outgoing
 * @property {string} clientID
 * @property {string} channel the channel's key (recipientUUID)
 * @property {string} text
 * @property {string} createdAt ISO time it was typed
 * @property {number} sentEpoch the connection it was last sent on, 0 for none
 * @property {number} sentAt when it was last sent, in ms
 * @property {number} tries how many times it was sent
 * @property {string} [error] why the server refused it
 */

/**
 * mergeMessages returns list with the messages of incoming that it lacks,
 * sorted by Offset. A message is the same as one in list when it has the
 * same Offset, or the same sender and ClientID (a retried send).
 *
 * @param {Message[]} list sorted by Offset
 * @param {Message[]} incoming in any order
 * @returns {{list: Message[], added: Message[]}} list is a new array when
 *   something was added
 */
export function mergeMessages(list, incoming) {
  const offsets = new Set(list.map((m) => m.Offset));
  const ids = new Set(list.filter((m) => m.ClientID).map(clientKey));
  /** @type {Message[]} */
  const added = [];
  for (const m of incoming) {
    if (!m || typeof m.Offset !== 'number' || !(m.Offset > 0) || offsets.has(m.Offset)) continue;
    if (m.ClientID) {
      const k = clientKey(m);
      if (ids.has(k)) continue;
      ids.add(k);
    }
    offsets.add(m.Offset);
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

/** One channel's messages as far as this client has them. */
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
    /** messages from others that arrived while the channel was not open */
    this.unread = 0;
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
   * add merges msgs in and returns those that were new.
   * @param {Message[]} msgs
   */
  add(msgs) {
    const r = mergeMessages(this.messages, msgs);
    this.messages = r.list;
    return r.added;
  }
}

export class ChatState {
  constructor() {
    /** @type {User | null} */
    this.me = null;
    /** @type {Map<string, User>} */
    this.users = new Map();
    this.usersTotal = 0;
    /** @type {Map<string, ChannelLog>} */
    this.channels = new Map();
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

  /**
   * open makes key the open channel and clears its unread count.
   * @param {string} key
   */
  openChannel(key) {
    this.current = key;
    this.channel(key).unread = 0;
  }

  /**
   * sinceFor is the since of a (re)join of key: the last offset seen, when
   * the channel was loaded before.
   * @param {string} key
   * @returns {number | undefined}
   */
  sinceFor(key) {
    const log = this.channels.get(key);
    return log && log.loaded ? log.last : undefined;
  }

  /**
   * applyJoin takes a channelJoin reply. With since, recovered messages
   * extend what is held; without (or when the gap was too large) the reply
   * is the latest page and replaces it.
   * @param {string} key
   * @param {Message[]} messages oldest first
   * @param {boolean | undefined} recovered
   * @returns {Message[]} the messages that were new
   */
  applyJoin(key, messages, recovered) {
    const log = this.channel(key);
    if (!log.loaded || recovered !== true) log.messages = [];
    const added = log.add(messages);
    log.loaded = true;
    log.hasMore = log.first > 1;
    this.confirm(messages);
    return added;
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
   * applyLive takes a channelMessage push.
   * @param {Message} msg
   * @returns {{key: string, added: boolean, own: boolean}}
   */
  applyLive(msg) {
    const me = this.me?.UUID ?? '';
    const key = channelOf(msg, me);
    const own = msg.SenderUUID === me;
    const log = this.channel(key);
    if (msg.Sender?.UUID) this.upsertUser(msg.Sender, false);
    this.confirm([msg]);
    this.typing.delete(msg.SenderUUID);
    let added = false;
    if (key === this.current) {
      // Before the join reply the log is not loaded; the reply holds it.
      if (log.loaded) added = log.add([msg]).length > 0;
    } else {
      // A late frame of a channel left a moment ago. Keep the log gapless,
      // so that a later join's since asks for everything after it.
      if (log.loaded && msg.Offset === log.last + 1) added = log.add([msg]).length > 0;
      if (!own) log.unread++;
    }
    return { key, added, own };
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
    if (log.loaded && msg && msg.Offset === log.last + 1) log.add([msg]);
    if (key !== this.current && msg?.SenderUUID !== this.me?.UUID) log.unread++;
    if (msg) this.typing.delete(msg.SenderUUID);
  }

  /** unreadTotal is the sum of the unread counts. */
  unreadTotal() {
    let n = 0;
    for (const log of this.channels.values()) n += log.unread;
    return n;
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
   * confirm drops from the outbox the messages that msgs show stored.
   * @param {Message[]} msgs
   * @returns {number} how many were dropped
   */
  confirm(msgs) {
    const me = this.me?.UUID;
    if (!me || this.outbox.length === 0) return 0;
    const ids = new Set();
    for (const m of msgs) if (m && m.ClientID && m.SenderUUID === me) ids.add(m.ClientID);
    if (ids.size === 0) return 0;
    const before = this.outbox.length;
    this.outbox = this.outbox.filter((o) => !ids.has(o.clientID));
    return before - this.outbox.length;
  }

  /**
   * pending lists the unconfirmed messages of a channel, oldest first.
   * @param {string} key
   */
  pending(key) {
    return this.outbox.filter((o) => o.channel === key);
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
