import type { TargetedKeyboardEvent, TargetedSubmitEvent } from 'preact';
import { useState } from 'preact/hooks';

const MAX_LENGTH = 4000;

/** The message box: Enter sends, Shift+Enter starts a new line. */
export function Composer({ onSend, onTyping }: { onSend: (body: string) => void; onTyping: () => void }) {
  const [text, setText] = useState('');
  const body = text.trim();

  function submit() {
    if (!body) return;
    onSend(body);
    setText('');
  }

  function onSubmit(e: TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    submit();
  }

  function onKeyDown(e: TargetedKeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      submit();
    }
  }

  return (
    <form class="composer" onSubmit={onSubmit}>
      <label for="composer-input" class="visually-hidden">
        Message
      </label>
      <textarea
        id="composer-input"
        name="body"
        rows={2}
        maxLength={MAX_LENGTH}
        placeholder="Write a message"
        aria-describedby="composer-hint"
        value={text}
        onInput={(e) => {
          setText(e.currentTarget.value);
          if (e.currentTarget.value.trim()) onTyping();
        }}
        onKeyDown={onKeyDown}
      />
      <button type="submit" disabled={!body}>
        Send
      </button>
      <p id="composer-hint" class="hint">
        Enter to send, Shift+Enter for a new line.
      </p>
    </form>
  );
}
