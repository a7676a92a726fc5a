import { useState } from 'preact/hooks';
import { FormError, useForm } from '../../components/form';
import { api } from '../../lib/api';
import { toast } from '../../lib/toast';
import type { NewReport, Reason, Track } from '../../lib/types';
import { Dialog } from './dialog';

const REASONS: { value: Reason; label: string }[] = [
  { value: 'spam', label: 'Spam' },
  { value: 'harassment', label: 'Harassment' },
  { value: 'hate', label: 'Hate' },
  { value: 'sexual', label: 'Sexual content' },
  { value: 'violence', label: 'Violence' },
  { value: 'illegal', label: 'Illegal content (copyright, …)' },
  { value: 'impersonation', label: 'Impersonation' },
  { value: 'other', label: 'Something else' },
];

/** "Report": tell the moderators about this track. */
export function ReportTrack({ track }: { track: Track }) {
  const [open, setOpen] = useState(false);
  const form = useForm(async (data) => {
    const note = String(data.get('note') ?? '').trim();
    const body: NewReport = {
      target_type: 'track',
      target_id: track.id,
      reason: String(data.get('reason')) as Reason,
      ...(note ? { note } : {}),
    };
    const filed = await api<{ counted: boolean }>('POST', '/reports', body);
    toast(filed.counted ? 'Thank you: the moderators will look at this track.' : 'You had already reported this track.', 'success');
    setOpen(false);
  });

  return (
    <>
      <button type="button" class="secondary" aria-haspopup="dialog" onClick={() => setOpen(true)}>
        Report
      </button>
      {open && (
        <Dialog title="Report this track" onClose={() => setOpen(false)}>
          <form class="stack" onSubmit={form.onSubmit} noValidate>
            <FormError error={form.error} />
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
              <label for="report-note">Details (optional)</label>
              <textarea id="report-note" name="note" rows={3} maxLength={1000} />
            </div>
            <button type="submit" disabled={form.busy}>
              Send report
            </button>
          </form>
        </Dialog>
      )}
    </>
  );
}
