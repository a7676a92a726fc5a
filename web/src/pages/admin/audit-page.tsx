// /admin/audit: the audit trail, newest first, filtered by actor, action, target and time, with
// cursor paging and an NDJSON export (fetched with the bearer token, saved through a blob URL).
import type { TargetedSubmitEvent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { FormError } from '../../components/form';
import { Loading } from '../../components/status';
import { ApiError, api, apiFetch, isAbortError } from '../../lib/api';
import { formatDateTime } from '../../lib/format';
import { toast, toastError } from '../../lib/toast';
import type { AuditRecord, Page } from '../../lib/types';
import { LoadError } from './load-error';

const LIMIT = 50;

interface Filters {
  actor?: string;
  action?: string;
  target?: string;
  since?: string;
}

export function AuditPage() {
  const [filters, setFilters] = useState<Filters>({});
  const [records, setRecords] = useState<AuditRecord[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [nonce, setNonce] = useState(0);
  const [busy, setBusy] = useState<'more' | 'export' | null>(null);

  useEffect(() => {
    const ctrl = new AbortController();
    setRecords(null);
    setError(null);
    api<Page<AuditRecord>>('GET', '/admin/audit', undefined, { query: { ...filters, limit: LIMIT }, signal: ctrl.signal }).then(
      (page) => {
        setRecords(page.items);
        setCursor(page.next_cursor ?? null);
      },
      (e) => {
        if (!isAbortError(e)) setError(e);
      },
    );
    return () => ctrl.abort();
  }, [filters, nonce]);

  function onFilter(e: TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const text = (k: string) => String(data.get(k) ?? '').trim() || undefined;
    const since = text('since');
    setFilters({ actor: text('actor'), action: text('action'), target: text('target'), since: since && new Date(since).toISOString() });
  }

  async function more() {
    setBusy('more');
    try {
      const page = await api<Page<AuditRecord>>('GET', '/admin/audit', undefined, { query: { ...filters, limit: LIMIT, cursor } });
      setRecords((list) => [...(list ?? []), ...page.items]);
      setCursor(page.next_cursor ?? null);
    } catch (e) {
      toastError(e);
    } finally {
      setBusy(null);
    }
  }

  async function exportNdjson() {
    setBusy('export');
    try {
      const res = await apiFetch('GET', '/admin/audit/export', { query: { ...filters }, headers: { Accept: 'application/x-ndjson' } });
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement('a');
      a.href = url;
      a.download = `veza-audit-${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}.ndjson`;
      document.body.append(a);
      a.click();
      a.remove();
      // The download has its own reference to the data by now.
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      toast('Audit trail exported.', 'success');
    } catch (e) {
      toastError(e);
    } finally {
      setBusy(null);
    }
  }

  return (
    <section>
      <h1>Audit</h1>
      <p class="lead">Who did what to whom, when, from which address, in which request.</p>
      <form class="filters" aria-label="Filter the audit trail" onSubmit={onFilter}>
        <div class="field">
          <label for="audit-actor">Actor (user id)</label>
          <input id="audit-actor" name="actor" maxLength={36} class="mono" defaultValue={filters.actor ?? ''} />
        </div>
        <div class="field">
          <label for="audit-action">Action</label>
          <input id="audit-action" name="action" maxLength={64} placeholder="auth. or report.resolved" defaultValue={filters.action ?? ''} />
        </div>
        <div class="field">
          <label for="audit-target">Target (id or type:id)</label>
          <input id="audit-target" name="target" maxLength={160} class="mono" defaultValue={filters.target ?? ''} />
        </div>
        <div class="field">
          <label for="audit-since">Since</label>
          <input id="audit-since" name="since" type="datetime-local" />
        </div>
        <div class="actions">
          <button type="submit">Filter</button>
          <button type="button" class="secondary" disabled={busy === 'export'} onClick={exportNdjson}>
            {busy === 'export' ? 'Exporting…' : 'Export NDJSON'}
          </button>
        </div>
      </form>
      {error ? (
        // A refused filter (not a user id, a malformed action) is the form's fault: say so there.
        error instanceof ApiError && error.status === 422 ? (
          <FormError error={error} />
        ) : (
          <LoadError error={error} onRetry={() => setNonce((n) => n + 1)} />
        )
      ) : !records ? (
        <Loading />
      ) : records.length === 0 ? (
        <p class="muted" role="status">
          Nothing recorded matches.
        </p>
      ) : (
        <>
          <div class="table-wrap">
            <table class="audit">
              <caption class="visually-hidden">Audit records, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Action</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Target</th>
                  <th scope="col">From</th>
                  <th scope="col">Details</th>
                </tr>
              </thead>
              <tbody>
                {records.map((r) => (
                  <tr key={r.seq}>
                    <td>{formatDateTime(r.created_at)}</td>
                    <th scope="row">
                      <code>{r.action}</code>
                    </th>
                    <td>{r.actor_id ? <code title={r.actor_id}>{r.actor_id.slice(-12)}</code> : <span class="muted">anonymous</span>}</td>
                    <td>{r.target_type ? <code title={`${r.target_type}:${r.target_id ?? ''}`}>{r.target_type}:{(r.target_id ?? '').slice(-12)}</code> : '—'}</td>
                    <td>
                      {r.ip ?? '—'}
                      {r.request_id && (
                        <>
                          <br />
                          <small class="muted">request {r.request_id}</small>
                        </>
                      )}
                    </td>
                    <td>
                      {Object.keys(r.data ?? {}).length > 0 ? (
                        <details>
                          <summary>
                            Data<span class="visually-hidden"> of record {r.seq}</span>
                          </summary>
                          <pre>{JSON.stringify(r.data, null, 2)}</pre>
                        </details>
                      ) : (
                        '—'
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {cursor && (
            <p>
              <button type="button" class="secondary" disabled={busy === 'more'} onClick={more}>
                {busy === 'more' ? 'Loading…' : 'Older records'}
              </button>
            </p>
          )}
        </>
      )}
    </section>
  );
}
