// A room's messages as this tab holds them: stored ones keyed by `seq` (so a replay or a page
// that overlaps what is shown can never show a message twice) and this tab's unacknowledged
// sends keyed by `client_id`. Plain TypeScript: use-room-live.ts turns its changes into renders.
import type { FrameOf, Message, UserRef } from '../../lib/types';

export interface ChatMessage {
  id: number;
  seq: number;
  author: UserRef | null;
  body: string;
  sent_at: string | null;
  client_id: string | null;
  deleted: boolean;
}

export interface PendingMessage {
  client_id: string;
  body: string;
  author: UserRef;
  created_at: string;
  /** 'sending' until acknowledged; 'failed' once the server refused it for good. */
  state: 'sending' | 'failed';
  /** ms since the epoch of the last transmission; 0 when not sent yet. */
  sent_at_ms: number;
  error?: string;
  /** False when sending it again cannot help (message_rejected, message_unstorable…). */
  retryable: boolean;
}

export class Timeline {
  private bySeq = new Map<number, ChatMessage>();
  private sorted: ChatMessage[] | null = [];
  pending: PendingMessage[] = [];

  /** Messages from a history page (or a replay): only what is not held yet, or newer news. */
  merge(items: Message[]): void {
    for (const m of items) this.put(fromMessage(m));
  }

  live(frame: FrameOf<'message'>): void {
    this.put({
      id: frame.id,
      seq: frame.seq,
      author: frame.author,
      body: frame.body,
      sent_at: frame.sent_at,
      client_id: frame.client_id ?? null,
      deleted: false,
    });
  }

  /** The server stored one of our sends: it becomes a message at its `seq`. */
  ack(frame: FrameOf<'ack'>): boolean {
    const p = this.pending.find((x) => x.client_id === frame.client_id);
    if (!p) return false;
    this.pending = this.pending.filter((x) => x !== p);
    if (!this.bySeq.has(frame.seq)) {
      this.put({
        id: frame.id,
        seq: frame.seq,
        author: p.author,
        body: p.body,
        sent_at: new Date().toISOString(),
        client_id: p.client_id,
        deleted: false,
      });
    }
    return true;
  }

  markDeleted(seq: number, id: number): void {
    const m = this.bySeq.get(seq);
    // Below what is loaded: nothing to hide, and a slot there would make "older" skip a gap.
    const min = this.minSeq();
    if (!m && min !== undefined && seq < min) return;
    this.bySeq.set(seq, { ...(m ?? { author: null, sent_at: null, client_id: null }), id, seq, body: '', deleted: true });
    this.sorted = null;
  }

  addPending(body: string, author: UserRef, clientId: string): PendingMessage {
    const p: PendingMessage = {
      client_id: clientId,
      body,
      author,
      created_at: new Date().toISOString(),
      state: 'sending',
      sent_at_ms: 0,
      retryable: true,
    };
    this.pending = [...this.pending, p];
    return p;
  }

  updatePending(clientId: string, change: Partial<PendingMessage>): boolean {
    const i = this.pending.findIndex((x) => x.client_id === clientId);
    if (i < 0) return false;
    this.pending = this.pending.map((p, j) => (j === i ? { ...p, ...change } : p));
    return true;
  }

  removePending(clientId: string): void {
    this.pending = this.pending.filter((x) => x.client_id !== clientId);
  }

  /** Forget everything below `seq` (a gap too large to fetch): older pages load on demand. */
  dropBelow(seq: number): void {
    for (const s of [...this.bySeq.keys()]) if (s < seq) this.bySeq.delete(s);
    this.sorted = null;
  }

  /** Every held slot, deleted ones included, ascending by `seq`. */
  all(): ChatMessage[] {
    this.sorted ??= [...this.bySeq.values()].sort((a, b) => a.seq - b.seq);
    return this.sorted;
  }

  /** The highest `seq` held (what a reconnect resumes from), or undefined when none. */
  maxSeq(): number | undefined {
    const all = this.all();
    return all.length ? all[all.length - 1]!.seq : undefined;
  }

  minSeq(): number | undefined {
    return this.all()[0]?.seq;
  }

  private put(m: ChatMessage): void {
    const held = this.bySeq.get(m.seq);
    // A deletion is final: a late copy of the message must not bring its body back.
    if (held?.deleted) return;
    if (held && !m.deleted && held.body === m.body && held.id === m.id) return;
    this.bySeq.set(m.seq, m);
    this.sorted = null;
    // Our own send came back (live, or replayed after a reconnect): it is no longer pending.
    if (m.client_id) {
      this.pending = this.pending.filter((p) => p.client_id !== m.client_id || (!!m.author && m.author.id !== p.author.id));
    }
  }
}

function fromMessage(m: Message): ChatMessage {
  return {
    id: m.id,
    seq: m.seq,
    author: m.author ?? null,
    body: m.body ?? '',
    sent_at: m.sent_at ?? null,
    client_id: m.client_id ?? null,
    deleted: !!m.deleted,
  };
}
