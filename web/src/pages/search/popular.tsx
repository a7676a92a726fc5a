// What people searched for most in the last 24 hours, shown while nothing is searched.
import { useEffect, useState } from 'preact/hooks';
import { Loading } from '../../components/status';
import { api, humanMessage, isAbortError } from '../../lib/api';
import type { PopularQueries } from '../../lib/types';
import { searchHref } from './kinds';

export function PopularSearches() {
  const [queries, setQueries] = useState<PopularQueries['queries'] | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    const ctrl = new AbortController();
    api<PopularQueries>('GET', '/search/popular', undefined, { query: { window: '24h' }, signal: ctrl.signal }).then(
      (p) => setQueries(p.queries),
      (e) => {
        if (!isAbortError(e)) setError(e);
      },
    );
    return () => ctrl.abort();
  }, []);

  return (
    <section aria-labelledby="popular-heading" class="popular">
      <h2 id="popular-heading">Popular searches</h2>
      {error ? (
        <p class="form-error" role="alert">
          {humanMessage(error)}
        </p>
      ) : queries === null ? (
        <Loading />
      ) : queries.length === 0 ? (
        <p class="muted">Nothing is popular yet today.</p>
      ) : (
        <ul class="chips">
          {queries.map((p) => (
            <li key={p.query}>
              <a class="chip" href={searchHref(p.query)}>
                {p.query}
              </a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
