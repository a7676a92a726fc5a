// /admin/users: find accounts by name (admins: or email), role and standing; change standing.
import type { TargetedSubmitEvent } from 'preact';
import { useState } from 'preact/hooks';
import { Field, SelectField } from '../../components/form';
import { MoreButton, usePaged } from '../../components/paged';
import { LoadError, Loading } from '../../components/status';
import { api } from '../../lib/api';
import type { AdminUser, Page, Role, UserStatus } from '../../lib/types';
import { UserCard } from './user-card';

const LIMIT = 25;
const ROLES = [
  { value: '', label: 'Any' },
  { value: 'user', label: 'User' },
  { value: 'moderator', label: 'Moderator' },
  { value: 'admin', label: 'Admin' },
];
const STATUSES = [
  { value: '', label: 'Any' },
  { value: 'active', label: 'Active' },
  { value: 'suspended', label: 'Suspended' },
  { value: 'banned', label: 'Banned' },
  { value: 'deleted', label: 'Deleted' },
];

interface Filters {
  q: string;
  role: Role | '';
  status: UserStatus | '';
}

export function UsersPage({ isAdmin }: { isAdmin: boolean }) {
  const [filters, setFilters] = useState<Filters>({ q: '', role: '', status: '' });
  const paged = usePaged(
    (cursor, signal) =>
      api<Page<AdminUser>>('GET', '/admin/users', undefined, {
        query: { q: filters.q.trim() || undefined, role: filters.role || undefined, status: filters.status || undefined, limit: LIMIT, cursor },
        ...(signal ? { signal } : {}),
      }),
    [filters],
  );
  const users = paged.items;

  function onSearch(e: TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    setFilters({
      q: String(data.get('q') ?? ''),
      role: String(data.get('role') ?? '') as Filters['role'],
      status: String(data.get('status') ?? '') as Filters['status'],
    });
  }

  const replace = (u: AdminUser) => paged.setItems((list) => list.map((x) => (x.id === u.id ? u : x)));

  return (
    <section>
      <h1>Users</h1>
      {!isAdmin && (
        <p class="muted">
          Moderators can suspend and reactivate members; roles, bans and staff accounts are for admins.
        </p>
      )}
      <form class="filters" role="search" aria-label="Find accounts" onSubmit={onSearch}>
        <Field
          name="q"
          id="users-q"
          label={isAdmin ? 'Username or email starts with' : 'Username starts with'}
          type="search"
          maxLength={254}
          defaultValue={filters.q}
        />
        <SelectField name="role" id="users-role" label="Role" defaultValue={filters.role} options={ROLES} />
        <SelectField name="status" id="users-status" label="Status" defaultValue={filters.status} options={STATUSES} />
        <button type="submit">Find</button>
      </form>
      {paged.error ? (
        <LoadError error={paged.error} onRetry={paged.reload} />
      ) : !users ? (
        <Loading />
      ) : users.length === 0 ? (
        <p class="muted" role="status">
          No account matches.
        </p>
      ) : (
        <>
          <p class="visually-hidden" role="status">
            {users.length}
            {paged.hasMore ? '+' : ''} account{users.length === 1 ? '' : 's'} found.
          </p>
          <ul class="user-list">
            {users.map((u) => (
              <UserCard key={u.id} user={u} isAdmin={isAdmin} onChanged={replace} />
            ))}
          </ul>
          <MoreButton paged={paged} label="More accounts" />
        </>
      )}
    </section>
  );
}
