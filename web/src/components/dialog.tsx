// The one modal dialog, on the native <dialog>: the browser keeps focus inside and makes the
// rest of the page inert; Escape closes it; it is labelled by its title; focus goes back to
// where it was when it opened. Shown while mounted: render it only when it is open.
import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';

interface Props {
  title: string;
  onClose: () => void;
  /** A "Close" (×) button in the title bar, for dialogs without a Cancel of their own. */
  closeButton?: boolean;
  children: ComponentChildren;
}

export function Dialog({ title, onClose, closeButton, children }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const mounted = useRef(true);
  const latest = useRef(onClose);
  latest.current = onClose;

  useEffect(() => {
    const dialog = ref.current!;
    const before = document.activeElement as HTMLElement | null;
    mounted.current = true;
    dialog.showModal();
    return () => {
      mounted.current = false;
      if (dialog.open) dialog.close();
      // Closing by unmounting does not give the focus back by itself.
      before?.focus();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      class="dialog"
      aria-labelledby={titleId}
      // Escape: the owner decides (it unmounts the dialog), so the page and the dialog agree.
      onCancel={(e) => {
        e.preventDefault();
        latest.current();
      }}
      // Closed anyway (a second Escape the browser will not let us refuse): tell the owner.
      onClose={() => {
        if (mounted.current) latest.current();
      }}
    >
      <div class="dialog-head">
        <h2 id={titleId}>{title}</h2>
        {closeButton && (
          <button type="button" class="icon-button" aria-label="Close" onClick={() => latest.current()}>
            <span aria-hidden="true">×</span>
          </button>
        )}
      </div>
      {children}
    </dialog>
  );
}

interface ConfirmProps {
  title: string;
  /** The button that does it: "Delete message". */
  confirmLabel: string;
  /** The way out, which has the focus: the safe choice is the easy one. */
  cancelLabel?: string;
  busy?: boolean;
  onConfirm: () => void;
  onClose: () => void;
  children: ComponentChildren;
}

/** "Are you sure?" for what cannot be undone. */
export function ConfirmDialog({ title, confirmLabel, cancelLabel = 'Cancel', busy, onConfirm, onClose, children }: ConfirmProps) {
  return (
    <Dialog title={title} onClose={onClose}>
      {children}
      <div class="actions">
        <button type="button" class="danger" disabled={busy} onClick={onConfirm}>
          {confirmLabel}
        </button>
        <button type="button" class="secondary" autofocus onClick={onClose}>
          {cancelLabel}
        </button>
      </div>
    </Dialog>
  );
}
