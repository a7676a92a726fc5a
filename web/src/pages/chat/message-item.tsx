import { Report } from '../../components/report';
import { formatDateTime } from '../../lib/format';
import { userHref } from '../../lib/links';
import type { ChatMessage, PendingMessage } from './timeline';

const time = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

export interface MessageActions {
  canDelete: boolean;
  canReport: boolean;
  onDelete: () => void;
}

/** One stored message: author, time, body, its actions and who has read up to it. */
export function MessageItem({
  message,
  hidden,
  seenBy,
  actions,
}: {
  message: ChatMessage;
  /** From a user the viewer blocked: the body stays hidden. */
  hidden: boolean;
  seenBy: string[];
  actions: MessageActions;
}) {
  const author = message.author?.username ?? 'unknown';
  return (
    <li class="message" data-testid="message" data-seq={message.seq}>
      <div class="message-meta">
        <a class="message-author" href={userHref(author)}>
          {author}
        </a>
        {message.sent_at && (
          <time dateTime={message.sent_at} title={formatDateTime(message.sent_at)}>
            {time.format(new Date(message.sent_at))}
          </time>
        )}
        {!hidden && (actions.canDelete || actions.canReport) && (
          <div class="message-actions">
            {actions.canReport && (
              <Report
                target_type="message"
                target_id={String(message.id)}
                label="Report"
                name={`Report message from ${author}`}
                title={`Report message from ${author}`}
                class="chat-action"
                quote={message.body}
              />
            )}
            {actions.canDelete && (
              <button type="button" class="chat-action" aria-label={`Delete message from ${author}`} onClick={actions.onDelete}>
                Delete
              </button>
            )}
          </div>
        )}
      </div>
      {hidden ? <p class="message-body muted">Message from a user you blocked.</p> : <p class="message-body">{message.body}</p>}
      {seenBy.length > 0 && <p class="seen-by">Seen by {seenBy.join(', ')}</p>}
    </li>
  );
}

/** One of our sends not yet stored: "Sending…", or why it failed and what can be done. */
export function PendingItem({
  message,
  onRetry,
  onDiscard,
}: {
  message: PendingMessage;
  onRetry: () => void;
  onDiscard: () => void;
}) {
  const failed = message.state === 'failed';
  return (
    <li class={failed ? 'message message-failed' : 'message message-pending'} data-testid="message" data-pending="true">
      <div class="message-meta">
        <span class="message-author">{message.author.username}</span>
        <span class="muted">{failed ? 'Not sent' : 'Sending…'}</span>
      </div>
      <p class="message-body">{message.body}</p>
      {failed && (
        <div class="message-error">
          <p role="alert">{message.error}</p>
          <span class="message-actions">
            {message.retryable && (
              <button type="button" class="chat-action" onClick={onRetry}>
                Try again
              </button>
            )}
            <button type="button" class="chat-action" onClick={onDiscard}>
              Delete draft
            </button>
          </span>
        </div>
      )}
    </li>
  );
}
