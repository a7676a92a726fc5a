// One account in the admin list, and its change-of-standing form for those allowed: admins
// change roles and any standing; moderators suspend or reactivate members (the API's rule).
import { useState } from 'preact/hooks';
import { Fact } from '../../components/facts';
import { Field, FormError, SelectField, useForm } from '../../components/form';
import { StatusBadge } from '../../components/status-badge';
import { api, invalid } from '../../lib/api';
import { formatDateTime } from '../../lib/format';
import { useSession } from '../../lib/hooks';
import { userHref } from '../../lib/links';
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
    <li class="panel user-card">
      <div class="user-summary">
        <h2 class="user-title">
          <a href={userHref(user.username)}>{user.username}</a>
          {user.display_name && <span class="muted"> ({user.display_name})</span>}
        </h2>
        <dl class="facts">
          {user.email && <Fact label="Email">{user.email}</Fact>}
          <Fact label="Roles">{user.roles.join(', ')}</Fact>
          <Fact label="Status">
            <StatusBadge label={user.status} tone={user.status === 'active' ? 'ok' : 'bad'} />
            {user.suspended_until && ` until ${formatDateTime(user.suspended_until)}`}
          </Fact>
          <Fact label="Joined">{formatDateTime(user.created_at)}</Fact>
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
  const standings: Standing[] = isAdmin ? ['active', 'suspended', 'banned'] : ['active', 'suspended'];
  const field = (name: string) => `${id}-${name}`;

  const form = useForm(async (data) => {
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
    if (!patch.roles && !patch.status) throw invalid({}, 'Nothing to change: pick another status or other roles.');
    const saved = await api<AdminUser>('PATCH', `/admin/users/${encodeURIComponent(user.id)}`, patch);
    toast(`${saved.username}: ${saved.status}, ${saved.roles.join(', ')}.`, 'success');
    onSaved(saved);
  });

  return (
    <form id={id} class="standing-form" onSubmit={form.onSubmit} aria-label={`Standing of ${user.username}`}>
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
      <SelectField
        name="status"
        id={field('status')}
        label="Status"
        value={status}
        onChange={(e) => setStatus(e.currentTarget.value as Standing)}
        options={standings.map((s) => ({ value: s, label: s[0]!.toUpperCase() + s.slice(1) }))}
      />
      {status === 'suspended' && (
        <Field name="until" id={field('until')} label="Suspended until (optional)" type="datetime-local" hint="Empty: until lifted." />
      )}
      <Field name="reason" id={field('reason')} label="Reason (kept in the audit trail)" maxLength={500} />
      <FormError error={form.error} />
      <button type="submit" disabled={form.busy}>
        {form.busy ? 'Saving…' : 'Save'}
      </button>
    </form>
  );
}
