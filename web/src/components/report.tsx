// "Report": a button, and the dialog that tells the moderators what is wrong with a message, a
// listing, a track… (POST /reports). The same reasons and words wherever something is reported.
import { useState } from 'preact/hooks';
import { api } from '../lib/api';
import { toast } from '../lib/toast';
import type { NewReport, Reason, TargetType } from '../lib/types';
import { Dialog } from './dialog';
import { FormError, SelectField, TextAreaField, useForm } from './form';

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

const NOUN: Record<TargetType, string> = {
  message: 'message',
  listing: 'listing',
  track: 'track',
  playlist: 'playlist',
  user: 'profile',
};

interface Props {
  target_type: TargetType;
  target_id: string;
  /** The button's text: "Report listing". */
  label: string;
  /** The button's accessible name, when its text alone does not say what: "Report message from alice". */
  name?: string;
  /** The dialog's title; "Report this listing" by default. */
  title?: string;
  /** The button's class: "secondary" by default. */
  class?: string;
  /** The reported text, quoted in the dialog (a chat message). */
  quote?: string;
}

export function Report({ label, name, class: cls = 'secondary', ...target }: Props) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" class={cls} aria-haspopup="dialog" aria-label={name} onClick={() => setOpen(true)}>
        {label}
      </button>
      {open && <ReportDialog {...target} onClose={() => setOpen(false)} />}
    </>
  );
}

/** Mounted while open: each report starts from an empty form. */
function ReportDialog({ target_type, target_id, title, quote, onClose }: Omit<Props, 'label' | 'name' | 'class'> & { onClose: () => void }) {
  const noun = NOUN[target_type];
  const form = useForm(async (data) => {
    const note = String(data.get('note') ?? '').trim();
    const body: NewReport = { target_type, target_id, reason: String(data.get('reason')) as Reason, ...(note ? { note } : {}) };
    // `counted` is false when this person had reported it already: said so, not an error.
    const filed = await api<{ counted?: boolean } | undefined>('POST', '/reports', body);
    onClose();
    toast(filed?.counted === false ? `You had already reported this ${noun}.` : `Thank you: the moderators will look at this ${noun}.`, 'success');
  });

  return (
    <Dialog title={title ?? `Report this ${noun}`} onClose={onClose}>
      <form class="stack" onSubmit={form.onSubmit} noValidate>
        <FormError error={form.error} fields={['reason', 'note']} />
        {quote !== undefined && <blockquote class="quoted">{quote}</blockquote>}
        <SelectField name="reason" id="report-reason" label="Reason" required options={REASONS} errors={form.fieldErrors.reason} />
        <TextAreaField
          name="note"
          id="report-note"
          label="Details for the moderators (optional)"
          rows={3}
          maxLength={1000}
          errors={form.fieldErrors.note}
        />
        <div class="actions">
          <button type="submit" disabled={form.busy}>
            {form.busy ? 'Sending…' : 'Send report'}
          </button>
          <button type="button" class="secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
