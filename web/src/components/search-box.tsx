// The header's search box: a WAI-ARIA combobox that suggests completions as one types (and the
// popular searches when empty). On every page, so it stays small: no dependency.
import type { TargetedEvent, TargetedKeyboardEvent, TargetedSubmitEvent } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, humanMessage, isAbortError } from '../lib/api';
import { PAGE_OF, searchHref } from '../lib/links';
import { navigate } from '../lib/router';
import type { PopularQueries, Suggestion } from '../lib/types';
import { Highlighted } from './highlight';

const DEBOUNCE_MS = 150;
const POPULAR_TTL_MS = 60_000;
const LISTBOX = 'site-search-suggestions';
const KIND_LABEL: Record<Suggestion['type'], string> = {
  listing: 'Listing',
  track: 'Track',
  user: 'User',
  room: 'Room',
  query: 'Search',
};

let popularCache: { at: number; list: Suggestion[] } | null = null;

/** Where a suggestion leads. */
function hrefOf(s: Suggestion): string {
  if (s.type === 'query') return searchHref(s.text);
  // A user's title is "username display name"; usernames have no spaces.
  return PAGE_OF[s.type](s.type === 'user' ? (s.text.split(' ')[0] ?? s.text) : (s.id ?? ''));
}

async function popular(signal: AbortSignal): Promise<Suggestion[]> {
  if (popularCache && Date.now() - popularCache.at < POPULAR_TTL_MS) return popularCache.list;
  const page = await api<PopularQueries>('GET', '/search/popular', undefined, { query: { window: '24h' }, signal });
  const list = page.queries.map((p): Suggestion => ({ type: 'query', text: p.query, highlight: '' }));
  popularCache = { at: Date.now(), list };
  return list;
}

export function SearchBox({ initial }: { initial: string }) {
  const [value, setValue] = useState(initial);
  const [options, setOptions] = useState<Suggestion[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [failure, setFailure] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const inflight = useRef<AbortController | null>(null);

  useEffect(() => () => cancel(), []);

  function cancel() {
    clearTimeout(timer.current);
    inflight.current?.abort();
    inflight.current = null;
  }

  /** Ask for what fits `typed`, once typing pauses; the previous question is dropped. */
  function suggest(typed: string) {
    cancel();
    const q = typed.trim();
    if (q.length === 1) {
      setOptions([]);
      setOpen(false);
      return;
    }
    timer.current = setTimeout(async () => {
      const ctrl = new AbortController();
      inflight.current = ctrl;
      try {
        const list = q
          ? (await api<{ suggestions: Suggestion[] }>('GET', '/search/suggest', undefined, { query: { q }, signal: ctrl.signal }))
              .suggestions
          : await popular(ctrl.signal);
        if (inflight.current !== ctrl) return;
        setOptions(list);
        setActive(-1);
        setOpen(list.length > 0);
        setFailure(null);
      } catch (e) {
        if (isAbortError(e) || inflight.current !== ctrl) return;
        setOpen(false);
        setFailure(`Suggestions are unavailable: ${humanMessage(e)}`);
      }
    }, q ? DEBOUNCE_MS : 0);
  }

  function close() {
    cancel();
    setOpen(false);
    setActive(-1);
  }

  function choose(s: Suggestion) {
    close();
    if (s.type === 'query') setValue(s.text);
    else setValue('');
    navigate(hrefOf(s));
  }

  function onInput(e: TargetedEvent<HTMLInputElement>) {
    const typed = e.currentTarget.value;
    setValue(typed);
    setFailure(null);
    suggest(typed);
  }

  function onKeyDown(e: TargetedKeyboardEvent<HTMLInputElement>) {
    const n = options.length;
    switch (e.key) {
      case 'ArrowDown':
      case 'ArrowUp': {
        e.preventDefault();
        if (!open) {
          if (n) {
            setOpen(true);
            setActive(e.key === 'ArrowDown' ? 0 : n - 1);
          } else suggest(value);
          return;
        }
        const step = e.key === 'ArrowDown' ? 1 : -1;
        // Past either end comes back to the text box itself (-1), then wraps around.
        setActive((i) => (i === -1 ? (step > 0 ? 0 : n - 1) : i + step >= n || i + step < 0 ? -1 : i + step));
        return;
      }
      case 'Enter': {
        const chosen = open ? options[active] : undefined;
        if (chosen) {
          e.preventDefault();
          choose(chosen);
        }
        // Otherwise the form is submitted: the full search.
        return;
      }
      case 'Escape':
        if (open) {
          e.preventDefault();
          close();
        } else if (value) {
          e.preventDefault();
          setValue('');
        }
        return;
      case 'Tab':
        close();
        return;
    }
  }

  function onSubmit(e: TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    const q = value.trim();
    close();
    if (q) navigate(searchHref(q));
  }

  const expanded = open && options.length > 0;
  const activeId = expanded && active >= 0 ? `${LISTBOX}-${active}` : undefined;

  // Without JavaScript's help the form still works: a GET of /search?q=…
  return (
    <form class="search-box" role="search" action="/search" method="get" onSubmit={onSubmit}>
      <label for="site-search" class="visually-hidden">
        Search Veza
      </label>
      <input
        id="site-search"
        name="q"
        type="search"
        placeholder="Search Veza"
        autoComplete="off"
        maxLength={256}
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls={LISTBOX}
        aria-activedescendant={activeId}
        value={value}
        onInput={onInput}
        onKeyDown={onKeyDown}
        onFocus={() => {
          if (!value.trim()) suggest('');
        }}
        onBlur={close}
      />
      <button type="submit" class="icon-button" aria-label="Search">
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
          <circle cx="11" cy="11" r="7" fill="none" stroke="currentColor" stroke-width="2" />
          <path d="m20 20-4-4" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
        </svg>
      </button>
      <ul id={LISTBOX} role="listbox" aria-label={value.trim() ? 'Suggestions' : 'Popular searches'} class="suggestions" hidden={!expanded}>
        {options.map((s, i) => (
          <li
            key={`${s.type}:${s.id ?? s.text}`}
            id={`${LISTBOX}-${i}`}
            role="option"
            aria-selected={i === active}
            class="suggestion"
            // Keep the focus in the text box: a click must not blur (and close) it first.
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => choose(s)}
          >
            <span class="suggestion-text">
              <Highlighted html={s.highlight} fallback={s.text} />
            </span>
            <span class="suggestion-kind">{KIND_LABEL[s.type]}</span>
          </li>
        ))}
      </ul>
      <p class={failure ? 'suggestions-failure' : 'visually-hidden'} role="status">
        {failure ??
          (expanded ? `${options.length} suggestion${options.length === 1 ? '' : 's'}, use the arrow keys to choose.` : '')}
      </p>
    </form>
  );
}
