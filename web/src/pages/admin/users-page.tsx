// /admin/users: find accounts by name (admins: or email), role and standing; change standing.
import type { TargetedSubmitEvent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { Loading } from '../../components/status';
import { api, isAbortError } from '../../lib/api';
import { toastError } from '../../lib/toast';
import type { AdminUser, Page, Role, UserStatus } from '../../lib/types';
import { LoadError } from './load-error';
import { UserCard } from './user-card';

const LIMIT = 25;

interface Filters {
  q: string;
  role: Role | '';
  status: UserStatus | '';
}

export function UsersPage({ isAdmin }: { isAdmin: boolean }) {
  const [filters, setFilters] = useState<Filters>({ q: '', role: '', status: '' });
  const [users, setUsers] = useState<AdminUser[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [nonce, setNonce] = useState(0);
  const [loadingMore, setLoadingMore] = useState(false);

  const query = (after?: string | null) => ({
    q: filters.q.trim() || undefined,
    role: filters.role || undefined,
    status: filters.status || undefined,
    limit: LIMIT,
    cursor: after ?? undefined,
  });

  useEffect(() => {
    const ctrl = new AbortController();
    setUsers(null);
    setError(null);
    api<Page<AdminUser>>('GET', '/admin/users', undefined, { query: query(), signal: ctrl.signal }).then(
      (page) => {
        setUsers(page.items);
        setCursor(page.next_cursor ?? null);
      },
      (e) => {
        if (!isAbortError(e)) setError(e);
      },
    );
    return () => ctrl.abort();
  }, [filters, nonce]);

  async function loadMore() {
    setLoadingMore(true);
    try {
      const page = await api<Page<AdminUser>>('GET', '/admin/users', undefined, { query: query(cursor) });
      setUsers((list) => [...(list ?? []), ...page.items]);
      setCursor(page.next_cursor ?? null);
    } catch (e) {
      toastError(e);
    } finally {
      setLoadingMore(false);
    }
  }

  function onSearch(e: TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    setFilters({
      q: String(data.get('q') ?? ''),
      role: String(data.get('role') ?? '') as Filters['role'],
      status: String(data.get('status') ?? '') as Filters['status'],
    });
  }

  const replace = (u: AdminUser) => setUsers((list) => list?.map((x) => (x.id === u.id ? u : x)) ?? null);

  return (
    <section>
      <h1>Users</h1>
      {!isAdmin && (
        <p class="muted">
          Moderators can suspend and reactivate members; roles, bans and staff accounts are for admins.
        </p>
      )}
      <form class="filters" role="search" aria-label="Find accounts" onSubmit={onSearch}>
        <div class="field">
          <label for="users-q">{isAdmin ? 'Username or email starts with' : 'Username starts with'}</label>
          <input id="users-q" name="q" type="search" maxLength={254} defaultValue={filters.q} />
        </div>
        <div class="field">
          <label for="users-role">Role</label>
          <select id="users-role" name="role" defaultValue={filters.role}>
            <option value="">Any</option>
            <option value="user">User</option>
            <option value="moderator">Moderator</option>
            <option value="admin">Admin</option>
          </select>
        </div>
        <div class="field">
          <label for="users-status">Status</label>
          <select id="users-status" name="status" defaultValue={filters.status}>
            <option value="">Any</option>
            <option value="active">Active</option>
            <option value="suspended">Suspended</option>
            <option value="banned">Banned</option>
            <option value="deleted">Deleted</option>
          </select>
        </div>
        <button type="submit">Find</button>
      </form>
      {error ? (
        <LoadError error={error} onRetry={() => setNonce((n) => n + 1)} />
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
            {cursor ? '+' : ''} account{users.length === 1 ? '' : 's'} found.
          </p>
          <ul class="user-list">
            {users.map((u) => (
              <UserCard key={u.id} user={u} isAdmin={isAdmin} onChanged={replace} />
            ))}
          </ul>
          {cursor && (
            <p>
              <button type="button" class="secondary" disabled={loadingMore} onClick={loadMore}>
                {loadingMore ? 'Loading…' : 'More accounts'}
              </button>
            </p>
          )}
        </>
      )}
    </section>
  );
}
