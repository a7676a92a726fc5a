// /admin/audit: the audit trail, newest first, filtered by actor, action, target and time, with
// cursor paging and an NDJSON export (fetched with the bearer token, saved through a blob URL).
import type { TargetedSubmitEvent } from 'preact';
import { useState } from 'preact/hooks';
import { Field, FormError } from '../../components/form';
import { MoreButton, usePaged } from '../../components/paged';
import { LoadError, Loading } from '../../components/status';
import { useAction } from '../../components/use-action';
import { ApiError, api, apiFetch } from '../../lib/api';
import { formatDateTime } from '../../lib/format';
import { toast } from '../../lib/toast';
import type { AuditRecord, Page } from '../../lib/types';

const LIMIT = 50;

interface Filters {
  actor?: string;
  action?: string;
  target?: string;
  since?: string;
}

export function AuditPage() {
  const [filters, setFilters] = useState<Filters>({});
  const records = usePaged(
    (cursor, signal) => api<Page<AuditRecord>>('GET', '/admin/audit', undefined, { query: { ...filters, limit: LIMIT, cursor }, ...(signal ? { signal } : {}) }),
    [filters],
  );
  const exporting = useAction();

  function onFilter(e: TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const text = (k: string) => String(data.get(k) ?? '').trim() || undefined;
    const since = text('since');
    setFilters({ actor: text('actor'), action: text('action'), target: text('target'), since: since && new Date(since).toISOString() });
  }

  const exportNdjson = () =>
    exporting.run(async () => {
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
    });

  const { error, items } = records;
  return (
    <section>
      <h1>Audit</h1>
      <p class="lead">Who did what to whom, when, from which address, in which request.</p>
      <form class="filters" aria-label="Filter the audit trail" onSubmit={onFilter}>
        <Field name="actor" id="audit-actor" label="Actor (user id)" maxLength={36} class="mono" defaultValue={filters.actor ?? ''} />
        <Field name="action" id="audit-action" label="Action" maxLength={64} placeholder="auth. or report.resolved" defaultValue={filters.action ?? ''} />
        <Field name="target" id="audit-target" label="Target (id or type:id)" maxLength={160} class="mono" defaultValue={filters.target ?? ''} />
        <Field name="since" id="audit-since" label="Since" type="datetime-local" />
        <div class="actions">
          <button type="submit">Filter</button>
          <button type="button" class="secondary" disabled={exporting.busy} onClick={exportNdjson}>
            {exporting.busy ? 'Exporting…' : 'Export NDJSON'}
          </button>
        </div>
      </form>
      {error ? (
        // A refused filter (not a user id, a malformed action) is the form's fault: say so there.
        error instanceof ApiError && error.status === 422 ? (
          <FormError error={error} />
        ) : (
          <LoadError error={error} onRetry={records.reload} />
        )
      ) : !items ? (
        <Loading />
      ) : items.length === 0 ? (
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
                {items.map((r) => (
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
          <MoreButton paged={records} label="Older records" />
        </>
      )}
    </section>
  );
}
