// One moderation case: what was reported (the copy kept), by whom and why, who holds it, and
// the claim and resolve controls. `data-testid="case"` is the convention other specs rely on.
import type { TargetedSubmitEvent } from 'preact';
import { useState } from 'preact/hooks';
import { FormError, SelectField, TextAreaField } from '../../components/form';
import { useAction } from '../../components/use-action';
import { api } from '../../lib/api';
import { formatDateTime } from '../../lib/format';
import { toast } from '../../lib/toast';
import type { Case, Me, ResolveAction } from '../../lib/types';
import { EvidenceView, targetHref } from './evidence';

const TARGET: Record<Case['target_type'], string> = {
  message: 'Message',
  listing: 'Listing',
  track: 'Track',
  playlist: 'Playlist',
  user: 'User',
};

const ACTIONS: { value: ResolveAction; label: string; done: string; adminOnly?: boolean }[] = [
  { value: 'dismiss', label: 'Dismiss: no action', done: 'dismissed' },
  { value: 'remove_content', label: 'Remove the content', done: 'content removed' },
  { value: 'warn', label: 'Warn the user', done: 'user warned' },
  { value: 'suspend_user', label: 'Suspend the user', done: 'user suspended' },
  { value: 'ban_user', label: 'Ban the user', done: 'user banned', adminOnly: true },
];

const SUSPENSIONS = [
  { value: '', label: 'Until lifted' },
  { value: String(86_400), label: '1 day' },
  { value: String(7 * 86_400), label: '7 days' },
  { value: String(30 * 86_400), label: '30 days' },
];

interface Props {
  c: Case;
  me: Me;
  isAdmin: boolean;
  onChanged: (c: Case) => void;
  onResolved: (c: Case) => void;
}

export function CaseCard({ c, me, isAdmin, onChanged, onResolved }: Props) {
  // A refusal (someone else's claim, resolved already) is shown on the case itself.
  const { busy, error, run } = useAction({ inPlace: true });
  const [action, setAction] = useState<ResolveAction>('dismiss');
  const id = c.id;
  const href = targetHref(c);
  const claimLive = !!c.claimed_by && !!c.claimed_until && new Date(c.claimed_until).getTime() > Date.now();
  const mine = claimLive && c.claimed_by?.id === me.id;
  const open = c.status === 'open';

  const claim = () =>
    run(async () => {
      onChanged(await api<Case>('POST', `/admin/reports/${encodeURIComponent(id)}/claim`));
    });

  const resolve = (e: TargetedSubmitEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const note = String(data.get('note') ?? '').trim();
    const duration = String(data.get('duration') ?? '');
    const body = {
      action,
      note: note || undefined,
      duration_secs: action === 'suspend_user' && duration ? Number(duration) : undefined,
    };
    return run(async () => {
      const done = await api<Case>('POST', `/admin/reports/${encodeURIComponent(id)}/resolve`, body);
      toast(`Case resolved: ${ACTIONS.find((a) => a.value === action)?.done ?? action}.`, 'success');
      onResolved(done);
    });
  };

  return (
    <article class="card case" data-testid="case" aria-labelledby={`case-${id}`}>
      <header class="case-head">
        <h2 id={`case-${id}`}>
          {TARGET[c.target_type]} reported {c.report_count} time{c.report_count === 1 ? '' : 's'}
        </h2>
        {c.flagged_by && <span class="badge">Flagged by rule “{c.flagged_by}”</span>}
        {!open && <span class="badge">Resolved</span>}
      </header>

      <EvidenceView c={c} />
      <p class="case-meta">
        {c.target_owner && <>Owner: {c.target_owner.username} · </>}
        First reported {formatDateTime(c.first_reported_at)}
        {href && (
          <>
            {' · '}
            <a href={href}>Open the {TARGET[c.target_type].toLowerCase()}</a>
          </>
        )}
      </p>

      <h3 class="visually-hidden">Reports</h3>
      <ul class="report-list">
        {c.reports.map((r) => (
          <li key={`${r.reporter.id}-${r.created_at}`}>
            <strong>{r.reason}</strong> — {r.reporter.username}, {formatDateTime(r.created_at)}
            {r.note && <q>{r.note}</q>}
          </li>
        ))}
      </ul>

      {open ? (
        <>
          <div class="claim">
            <p>
              {mine
                ? `You hold this case until ${formatDateTime(c.claimed_until!)}.`
                : claimLive
                  ? `Claimed by ${c.claimed_by!.username} until ${formatDateTime(c.claimed_until!)}.`
                  : 'Nobody is working on this case.'}
            </p>
            {!mine && (
              <button type="button" class="secondary" disabled={busy} onClick={claim}>
                Claim
              </button>
            )}
          </div>
          <form class="resolve" onSubmit={resolve}>
            <SelectField
              name="action"
              id={`action-${id}`}
              label="Action"
              value={action}
              onChange={(e) => setAction(e.currentTarget.value as ResolveAction)}
              options={ACTIONS.filter((a) => isAdmin || !a.adminOnly)}
            />
            {action === 'suspend_user' && <SelectField name="duration" id={`duration-${id}`} label="Suspension" options={SUSPENSIONS} />}
            <TextAreaField
              name="note"
              id={`note-${id}`}
              label="Note (optional)"
              rows={2}
              maxLength={1000}
              hint="Kept on the case; a warning also shows it to the user."
            />
            <button type="submit" disabled={busy}>
              Resolve
            </button>
          </form>
        </>
      ) : (
        <p class="case-meta">
          {c.resolution ? ACTIONS.find((a) => a.value === c.resolution)?.label : 'Resolved'}
          {c.resolved_by && ` by ${c.resolved_by.username}`}
          {c.resolved_at && `, ${formatDateTime(c.resolved_at)}`}
          {c.resolution_note && <q>{c.resolution_note}</q>}
        </p>
      )}
      <FormError error={error} />
    </article>
  );
}
