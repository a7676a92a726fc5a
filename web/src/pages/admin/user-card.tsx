// One account in the admin list, and its change-of-standing form for those allowed: admins
// change roles and any standing; moderators suspend or reactivate members (the API's rule).
import type { TargetedSubmitEvent } from 'preact';
import { useState } from 'preact/hooks';
import { FormError } from '../../components/form';
import { api } from '../../lib/api';
import { useSession } from '../../lib/hooks';
import { formatDateTime } from '../../lib/format';
import { toast } from '../../lib/toast';
import type { AdminUser, Role, StandingPatch } from '../../lib/types';

type Standing = NonNullable<StandingPatch['status']>;

interface Props {
  user: AdminUser;
  isAdmin: boolean;
  onChanged: (u: AdminUser) => void;
}

export function UserCard({ user, isAdmin, onChanged }: Props) {
  const me = useSession();
  const [editing, setEditing] = useState(false);
  const memberOnly = user.roles.every((r) => r === 'user');
  const mayChange = user.status !== 'deleted' && user.id !== me?.id && (isAdmin || memberOnly);
  const formId = `standing-${user.id}`;

  return (
    <li class="user-card">
      <div class="user-summary">
        <h2 class="user-title">
          <a href={`/users/${encodeURIComponent(user.username)}`}>{user.username}</a>
          {user.display_name && <span class="muted"> ({user.display_name})</span>}
        </h2>
        <dl class="facts">
          {user.email && (
            <>
              <dt>Email</dt>
              <dd>{user.email}</dd>
            </>
          )}
          <dt>Roles</dt>
          <dd>{user.roles.join(', ')}</dd>
          <dt>Status</dt>
          <dd>
            <span class={`state state-${user.status}`}>{user.status}</span>
            {user.suspended_until && ` until ${formatDateTime(user.suspended_until)}`}
          </dd>
          <dt>Joined</dt>
          <dd>{formatDateTime(user.created_at)}</dd>
        </dl>
        {mayChange && (
          <button
            type="button"
            class="secondary"
            aria-expanded={editing}
            aria-controls={formId}
            onClick={() => setEditing((v) => !v)}
          >
            {editing ? 'Close' : 'Change standing'}
            <span class="visually-hidden">{editing ? ' standing' : ''} of {user.username}</span>
          </button>
        )}
      </div>
      {mayChange && editing && (
        <StandingForm
          id={formId}
          user={user}
          isAdmin={isAdmin}
          onSaved={(u) => {
            onChanged(u);
            setEditing(false);
          }}
        />
      )}
    </li>
  );
}

function StandingForm({ id, user, isAdmin, onSaved }: { id: string; user: AdminUser; isAdmin: boolean; onSaved: (u: AdminUser) => void }) {
  const [status, setStatus] = useState<Standing>(user.status === 'deleted' ? 'active' : user.status);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const standings: Standing[] = isAdmin ? ['active', 'suspended', 'banned'] : ['active', 'suspended'];
  const field = (name: string) => `${id}-${name}`;

  async function onSubmit(e: TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const patch: StandingPatch = {};
    if (isAdmin) {
      const roles = (['moderator', 'admin'] as Role[]).filter((r) => data.get(`role-${r}`) === 'on');
      const before = user.roles.filter((r) => r !== 'user').sort();
      if (roles.join() !== before.join()) patch.roles = ['user', ...roles];
    }
    const until = String(data.get('until') ?? '');
    if (status !== user.status || (status === 'suspended' && until)) {
      patch.status = status;
      if (status === 'suspended' && until) patch.suspended_until = new Date(until).toISOString();
    }
    const reason = String(data.get('reason') ?? '').trim();
    if (reason) patch.reason = reason;
    if (!patch.roles && !patch.status) {
      setProblem('Nothing to change: pick another status or other roles.');
      return;
    }
    setBusy(true);
    setProblem(null);
    setError(null);
    try {
      const saved = await api<AdminUser>('PATCH', `/admin/users/${encodeURIComponent(user.id)}`, patch);
      toast(`${saved.username}: ${saved.status}, ${saved.roles.join(', ')}.`, 'success');
      onSaved(saved);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form id={id} class="standing-form" onSubmit={onSubmit} aria-label={`Standing of ${user.username}`}>
      {isAdmin && (
        <fieldset>
          <legend>Roles</legend>
          {(['moderator', 'admin'] as Role[]).map((r) => (
            <label key={r} class="check">
              <input type="checkbox" name={`role-${r}`} defaultChecked={user.roles.includes(r)} /> {r === 'admin' ? 'Admin' : 'Moderator'}
            </label>
          ))}
        </fieldset>
      )}
      <div class="field">
        <label for={field('status')}>Status</label>
        <select id={field('status')} value={status} onChange={(e) => setStatus(e.currentTarget.value as Standing)}>
          {standings.map((s) => (
            <option key={s} value={s}>
              {s[0]!.toUpperCase() + s.slice(1)}
            </option>
          ))}
        </select>
      </div>
      {status === 'suspended' && (
        <div class="field">
          <label for={field('until')}>Suspended until (optional)</label>
          <input id={field('until')} name="until" type="datetime-local" aria-describedby={field('until-hint')} />
          <p id={field('until-hint')} class="hint">
            Empty: until lifted.
          </p>
        </div>
      )}
      <div class="field">
        <label for={field('reason')}>Reason (kept in the audit trail)</label>
        <input id={field('reason')} name="reason" maxLength={500} />
      </div>
      {problem ? (
        <p class="form-error" role="alert">
          {problem}
        </p>
      ) : (
        <FormError error={error} />
      )}
      <button type="submit" disabled={busy}>
        {busy ? 'Saving…' : 'Save'}
      </button>
    </form>
  );
}
