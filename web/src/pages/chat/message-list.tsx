import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import { MessageItem, PendingItem, type MessageActions } from './message-item';
import type { ChatMessage, PendingMessage } from './timeline';
import type { Reader } from './use-room-live';

/** Within this many pixels of the bottom, new messages keep the list scrolled to the end. */
const STICK_PX = 48;

export interface MessageListProps {
  messages: ChatMessage[];
  pending: PendingMessage[];
  readers: Reader[];
  blocked: Set<string>;
  showBlocked: boolean;
  hasOlder: boolean;
  loadingOlder: boolean;
  onLoadOlder: () => Promise<void>;
  onBottomVisible: (visible: boolean) => void;
  actionsFor: (m: ChatMessage) => MessageActions;
  onRetry: (clientId: string) => void;
  onDiscard: (clientId: string) => void;
}

/** The room's log: scrolls to the newest, loads older pages at the top, keeps its place. */
export function MessageList(props: MessageListProps) {
  const { messages, pending, readers, blocked, showBlocked, hasOlder, loadingOlder } = props;
  const box = useRef<HTMLDivElement>(null);
  const end = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  /** Set while an older page loads: the scroll height to keep the view anchored to. */
  const anchor = useRef<{ height: number; top: number } | null>(null);
  const onBottomVisible = useRef(props.onBottomVisible);
  onBottomVisible.current = props.onBottomVisible;

  /** How many sends were shown last render: a new one of ours always brings the end into view. */
  const sends = useRef(pending.length);

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    if (pending.length > sends.current) stick.current = true;
    sends.current = pending.length;
    if (anchor.current && !loadingOlder) {
      el.scrollTop = anchor.current.top + (el.scrollHeight - anchor.current.height);
      anchor.current = null;
    } else if (stick.current) {
      el.scrollTop = el.scrollHeight;
    }
  });

  useEffect(() => {
    const target = end.current;
    if (!target) return;
    // The implicit root: visible means inside the log's scrolled view and on screen.
    const io = new IntersectionObserver((entries) => onBottomVisible.current(entries.some((e) => e.isIntersecting)));
    io.observe(target);
    return () => io.disconnect();
  }, []);

  async function loadOlder() {
    const el = box.current;
    if (!el || loadingOlder) return;
    anchor.current = { height: el.scrollHeight, top: el.scrollTop };
    await props.onLoadOlder();
  }

  function onScroll() {
    const el = box.current;
    if (!el) return;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_PX;
    if (el.scrollTop < STICK_PX && hasOlder && !loadingOlder) void loadOlder();
  }

  const seen = seenBySeq(messages, readers);

  return (
    <div
      class="panel message-log"
      ref={box}
      data-testid="messages"
      role="log"
      aria-live="polite"
      aria-label="Conversation"
      tabIndex={0}
      onScroll={onScroll}
    >
      {hasOlder && (
        <p class="load-older">
          <button type="button" class="secondary" disabled={loadingOlder} onClick={() => void loadOlder()}>
            {loadingOlder ? 'Loading older messages…' : 'Load older messages'}
          </button>
        </p>
      )}
      {messages.length === 0 && pending.length === 0 ? (
        <p class="muted chat-empty">No messages yet. Say hello!</p>
      ) : (
        <ol class="messages">
          {messages.map((m) => (
            <MessageItem
              key={m.seq}
              message={m}
              hidden={!showBlocked && !!m.author && blocked.has(m.author.id)}
              seenBy={seen.get(m.seq) ?? []}
              actions={props.actionsFor(m)}
            />
          ))}
          {pending.map((p) => (
            <PendingItem
              key={p.client_id}
              message={p}
              onRetry={() => props.onRetry(p.client_id)}
              onDiscard={() => props.onDiscard(p.client_id)}
            />
          ))}
        </ol>
      )}
      <div ref={end} class="log-end" aria-hidden="true" />
    </div>
  );
}

/** Each reader under the last shown message they have read. */
function seenBySeq(messages: ChatMessage[], readers: Reader[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const r of readers) {
    let at: number | undefined;
    for (const m of messages) {
      if (m.seq > r.up_to) break;
      at = m.seq;
    }
    if (at !== undefined) out.set(at, [...(out.get(at) ?? []), r.user.username]);
  }
  return out;
}
