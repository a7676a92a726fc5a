import { FormError, useForm } from '../../components/form';
import { api } from '../../lib/api';
import { toast } from '../../lib/toast';
import type { NewReport, Reason } from '../../lib/types';
import { Dialog } from './dialog';
import type { ChatMessage } from './timeline';

const REASONS: { value: Reason; label: string }[] = [
  { value: 'spam', label: 'Spam' },
  { value: 'harassment', label: 'Harassment' },
  { value: 'hate', label: 'Hate' },
  { value: 'sexual', label: 'Sexual content' },
  { value: 'violence', label: 'Violence' },
  { value: 'illegal', label: 'Illegal content' },
  { value: 'impersonation', label: 'Impersonation' },
  { value: 'other', label: 'Something else' },
];

/** Report one message to the moderators: a reason, and an optional note. */
export function ReportDialog({ message, onClose }: { message: ChatMessage; onClose: () => void }) {
  const form = useForm(async (data) => {
    const note = String(data.get('note') ?? '').trim();
    const report: NewReport = {
      target_type: 'message',
      target_id: String(message.id),
      reason: String(data.get('reason')) as Reason,
      ...(note ? { note } : {}),
    };
    await api('POST', '/reports', report);
    toast('Thank you. The moderators will look at this message.', 'success');
    onClose();
  });

  return (
    <Dialog title={`Report message from ${message.author?.username ?? 'unknown'}`} onClose={onClose}>
      <form class="stack" onSubmit={form.onSubmit}>
        <FormError error={form.error} />
        <blockquote class="chat-quoted">{message.body}</blockquote>
        <div class="field">
          <label for="report-reason">Reason</label>
          <select id="report-reason" name="reason" required>
            {REASONS.map((r) => (
              <option key={r.value} value={r.value}>
                {r.label}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="report-note">Note for the moderators (optional)</label>
          <textarea id="report-note" name="note" rows={3} maxLength={1000} />
        </div>
        <p class="actions">
          <button type="submit" disabled={form.busy}>
            {form.busy ? 'Sending…' : 'Send report'}
          </button>
          <button type="button" class="secondary" onClick={onClose}>
            Cancel
          </button>
        </p>
      </form>
    </Dialog>
  );
}
