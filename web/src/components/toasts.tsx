import { useStore } from '../lib/hooks';
import { dismissToast, toasts } from '../lib/toast';

/** The polite live region where toast() messages appear. */
export function Toasts() {
  const shown = useStore(toasts);
  return (
    <div class="toasts" aria-live="polite" aria-relevant="additions text">
      {shown.map((t) => (
        <div key={t.id} class={`toast toast-${t.kind}`}>
          <p>{t.message}</p>
          <button type="button" class="icon-button" aria-label="Dismiss message" onClick={() => dismissToast(t.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
