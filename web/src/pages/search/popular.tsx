// What people searched for most in the last 24 hours, shown while nothing is searched.
import { FormError } from '../../components/form';
import { Loading } from '../../components/status';
import { useLoad } from '../../components/use-load';
import { api } from '../../lib/api';
import type { PopularQueries } from '../../lib/types';
import { searchHref } from './kinds';

export function PopularSearches() {
  const popular = useLoad((signal) => api<PopularQueries>('GET', '/search/popular', undefined, { query: { window: '24h' }, signal }), []);
  const queries = popular.data?.queries ?? null;
  const error = popular.error;

  return (
    <section aria-labelledby="popular-heading" class="popular">
      <h2 id="popular-heading">Popular searches</h2>
      {error ? (
        <FormError error={error} />
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
