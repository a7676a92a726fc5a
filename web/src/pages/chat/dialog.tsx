import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/**
 * A modal dialog (the native <dialog>: focus kept inside, Escape closes). Focus goes back to
 * where it was when it closes.
 */
export function Dialog({ title, onClose, children }: { title: string; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useRef(`dialog-${Math.random().toString(36).slice(2, 9)}`).current;

  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    ref.current?.showModal();
    return () => before?.focus();
  }, []);

  return (
    <dialog
      ref={ref}
      class="chat-dialog"
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      {children}
    </dialog>
  );
}

/** "Are you sure?" with a named confirm button; `busy` while the action runs. */
export function ConfirmDialog({
  title,
  message,
  confirm,
  busy,
  onConfirm,
  onClose,
}: {
  title: string;
  message: string;
  confirm: string;
  busy: boolean;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <Dialog title={title} onClose={onClose}>
      <p>{message}</p>
      <p class="actions">
        <button type="button" class="danger" disabled={busy} onClick={onConfirm}>
          {confirm}
        </button>
        <button type="button" class="secondary" onClick={onClose}>
          Cancel
        </button>
      </p>
    </Dialog>
  );
}
