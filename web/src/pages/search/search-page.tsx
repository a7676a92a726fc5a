// /search?q=&types=: results grouped by kind with their counts, or one kind with paging; the
// popular searches while nothing is asked.
import { useEffect, useState } from 'preact/hooks';
import { Loading } from '../../components/status';
import { ApiError, api, humanMessage, isAbortError } from '../../lib/api';
import { useTitle } from '../../lib/hooks';
import { toast } from '../../lib/toast';
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
      if (!isAbortError(e)) toast(searchError(e), 'error');
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
      <nav class="result-tabs" aria-label="Result types">
        <ul>
          <li>
            <a href={searchHref(q)} aria-current={kind ? undefined : 'page'}>
              All
            </a>
          </li>
          {KINDS.map((k) => (
            <li key={k.key}>
              <a href={searchHref(q, k)} aria-current={kind?.key === k.key ? 'page' : undefined}>
                {k.label}
                {counts && (counts.counts[k.plural] ?? null) !== null && <span class="count">{countText(counts, k)}</span>}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {error ? (
        <p class="form-error" role="alert">
          {searchError(error)}
        </p>
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
              {k.label} <span class="count">{countText(answer, k)}</span>
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
        {kind.label} <span class="count">{countText(answer, kind)}</span>
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
    <div class="empty">
      <p>
        No {kind ? kind.label.toLowerCase() : 'results'} for “{q}”.
      </p>
      <p class="muted">Check the spelling, use fewer words, or try a more general one.</p>
    </div>
  );
}

/** The refusals of a search, in words. */
function searchError(e: unknown): string {
  if (!(e instanceof ApiError)) return humanMessage(e);
  switch (e.code) {
    case 'query_empty':
      return 'Type at least one word to search for.';
    case 'query_too_long':
      return 'That search is too long: keep it under 256 characters.';
    case 'query_too_many_terms':
      return 'That search has too many words: use at most 10.';
    case 'unknown_type':
      return 'Choose listings, tracks, users or rooms.';
    case 'cursor_invalid':
      return 'These results have changed: search again.';
    default:
      return humanMessage(e);
  }
}
