import { useState } from 'preact/hooks';
import { useForm } from '../../components/form';
import { api } from '../../lib/api';
import { toast } from '../../lib/toast';
import type { NewReport, Reason } from '../../lib/types';
import { Dialog } from './dialog';
import { SelectField, TextAreaField } from './form-fields';
import { Problem } from './problem';

const REASONS: { value: Reason; label: string }[] = [
  { value: 'spam', label: 'Spam or scam' },
  { value: 'illegal', label: 'Illegal goods' },
  { value: 'impersonation', label: 'Impersonation' },
  { value: 'harassment', label: 'Harassment' },
  { value: 'hate', label: 'Hate' },
  { value: 'sexual', label: 'Sexual content' },
  { value: 'violence', label: 'Violence' },
  { value: 'other', label: 'Something else' },
];

/** "Report listing", and the small form that tells the moderators why. */
export function ReportListing({ listingId }: { listingId: string }) {
  const [open, setOpen] = useState(false);
  const form = useForm(async (data) => {
    const note = String(data.get('note') ?? '').trim();
    const reason = String(data.get('reason')) as Reason;
    const body: NewReport = { target_type: 'listing', target_id: listingId, reason, note: note || null };
    await api('POST', '/reports', body);
    setOpen(false);
    toast('Thank you: a moderator will look at this listing.', 'success');
  });

  return (
    <>
      <button type="button" class="secondary" onClick={() => setOpen(true)}>
        Report listing
      </button>
      <Dialog open={open} title="Report this listing" onClose={() => setOpen(false)}>
        <form class="stack" onSubmit={form.onSubmit} noValidate>
          <Problem error={form.error} fields={['reason', 'note']} />
          <SelectField name="reason" id="report-reason" label="Reason" errors={form.fieldErrors.reason}>
            {REASONS.map((r) => (
              <option key={r.value} value={r.value}>
                {r.label}
              </option>
            ))}
          </SelectField>
          <TextAreaField name="note" id="report-note" label="Details (optional)" rows={3} maxLength={1000} errors={form.fieldErrors.note} />
          <div class="actions">
            <button type="submit" disabled={form.busy}>
              {form.busy ? 'Sending…' : 'Send report'}
            </button>
            <button type="button" class="secondary" onClick={() => setOpen(false)}>
              Cancel
            </button>
          </div>
        </form>
      </Dialog>
    </>
  );
}
