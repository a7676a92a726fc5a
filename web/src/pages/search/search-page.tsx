// /search?q=&types=: results grouped by kind with their counts, or one kind with paging; the
// popular searches while nothing is asked.
import { useEffect, useState } from 'preact/hooks';
import { FormError } from '../../components/form';
import { Empty, Loading } from '../../components/status';
import { LinkTabs } from '../../components/tabs';
import { api, isAbortError } from '../../lib/api';
import { useTitle } from '../../lib/hooks';
import { toastError } from '../../lib/toast';
import type { SearchPage as Answer } from '../../lib/types';
import type { PageProps } from '../../routes';
import { KINDS, countText, kindOf, searchHref, type Kind } from './kinds';
import { PopularSearches } from './popular';
import { ResultList, appendPage, resultCount } from './result-list';
import './search.css';

/** Results per kind on the overview, and per page of one kind. */
const PER_KIND = 5;
const PAGE = 20;

export function SearchPage({ query }: PageProps) {
  const q = (query.get('q') ?? '').trim();
  const kind = kindOf(query.get('types'));
  useTitle(q ? `Search: ${q}` : 'Search');
  const [answer, setAnswer] = useState<Answer | null>(null);
  // With one kind shown, the counts of every kind for the tabs.
  const [overview, setOverview] = useState<Answer | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loadingMore, setLoadingMore] = useState(false);

  useEffect(() => {
    setAnswer(null);
    setOverview(null);
    setError(null);
    if (!q) return;
    const ctrl = new AbortController();
    const ask = (types: string | undefined, limit: number) =>
      api<Answer>('GET', '/search', undefined, { query: { q, types, limit }, signal: ctrl.signal });
    ask(kind?.key, kind ? PAGE : PER_KIND).then(setAnswer, (e) => {
      if (!isAbortError(e)) setError(e);
    });
    if (kind) {
      // Only the tabs' counts depend on it: without it they show this kind's count alone.
      ask(undefined, 1).then(setOverview, () => undefined);
    }
    return () => ctrl.abort();
  }, [q, kind?.key]);

  async function loadMore() {
    if (!answer?.next_cursor || !kind) return;
    setLoadingMore(true);
    try {
      const more = await api<Answer>('GET', '/search', undefined, {
        query: { q, types: kind.key, limit: PAGE, cursor: answer.next_cursor },
      });
      setAnswer((a) => (a ? appendPage(a, more, kind) : more));
    } catch (e) {
      toastError(e);
    } finally {
      setLoadingMore(false);
    }
  }

  if (!q) {
    return (
      <section class="search-page">
        <h1>Search</h1>
        <p class="lead">Find listings, tracks, people and rooms: type in the search box at the top of the page.</p>
        <PopularSearches />
      </section>
    );
  }

  const counts = kind ? (overview ?? answer) : answer;
  return (
    <section class="search-page">
      <h1>Results for “{q}”</h1>
      <LinkTabs
        label="Result types"
        tabs={[
          { href: searchHref(q), label: 'All', current: !kind },
          ...KINDS.map((k) => ({
            href: searchHref(q, k),
            label: (
              <>
                {k.label}
                {counts && (counts.counts[k.plural] ?? null) !== null && <span class="badge count">{countText(counts, k)}</span>}
              </>
            ),
            current: kind?.key === k.key,
          })),
        ]}
      />
      {error ? (
        <FormError error={error} />
      ) : !answer ? (
        <Loading label="Searching…" />
      ) : (
        <>
          {answer.partial && (
            <p class="notice partial" role="status">
              Some results may be missing (search took too long).
            </p>
          )}
          {kind ? (
            <OneKind answer={answer} kind={kind} q={q} loadingMore={loadingMore} onMore={loadMore} />
          ) : (
            <AllKinds answer={answer} q={q} />
          )}
        </>
      )}
    </section>
  );
}

function AllKinds({ answer, q }: { answer: Answer; q: string }) {
  const shown = KINDS.filter((k) => resultCount(answer, k) > 0);
  if (!shown.length) return <NothingFound q={q} />;
  return (
    <>
      {shown.map((k) => {
        const total = answer.counts[k.plural] ?? 0;
        const id = `results-${k.key}`;
        return (
          <section key={k.key} class="result-group" aria-labelledby={id}>
            <h2 id={id}>
              {k.label} <span class="badge count">{countText(answer, k)}</span>
            </h2>
            <ResultList page={answer} kind={k} />
            {total > resultCount(answer, k) && (
              <p>
                <a href={searchHref(q, k)}>
                  See all {countText(answer, k)} {k.label.toLowerCase()}
                </a>
              </p>
            )}
          </section>
        );
      })}
    </>
  );
}

function OneKind(props: { answer: Answer; kind: Kind; q: string; loadingMore: boolean; onMore: () => void }) {
  const { answer, kind, q } = props;
  if (!resultCount(answer, kind)) return <NothingFound q={q} kind={kind} />;
  return (
    <section class="result-group" aria-labelledby="results-heading">
      <h2 id="results-heading">
        {kind.label} <span class="badge count">{countText(answer, kind)}</span>
      </h2>
      <ResultList page={answer} kind={kind} />
      {answer.next_cursor && (
        <p>
          <button type="button" class="secondary" disabled={props.loadingMore} onClick={props.onMore}>
            {props.loadingMore ? 'Loading…' : `More ${kind.label.toLowerCase()}`}
          </button>
        </p>
      )}
    </section>
  );
}

function NothingFound({ q, kind }: { q: string; kind?: Kind }) {
  return (
    <Empty>
      <p>
        No {kind ? kind.label.toLowerCase() : 'results'} for “{q}”.
      </p>
      <p class="muted">Check the spelling, use fewer words, or try a more general one.</p>
    </Empty>
  );
}
