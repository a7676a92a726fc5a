// One search result of each kind: a link to its page, its highlighted snippets, a few facts.
import { Fragment, type ComponentChildren } from 'preact';
import { Highlighted } from '../../components/highlight';
import { formatDuration, formatMoney } from '../../lib/format';
import { listingHref, roomHref, trackHref, userHref } from '../../lib/links';
import type { SearchPage } from '../../lib/types';
import { conditionLabel } from '../market/labels';

type Results = SearchPage['results'];
export type ListingHit = NonNullable<Results['listings']>[number];
export type TrackHit = NonNullable<Results['tracks']>[number];
export type UserHit = NonNullable<Results['users']>[number];
export type RoomHit = NonNullable<Results['rooms']>[number];

/** A result's shape: the title as a link, a line of facts, and the snippets that matched. */
function Result({ href, title, meta, children }: { href: string; title: ComponentChildren; meta?: ComponentChildren; children?: ComponentChildren }) {
  return (
    <li class="panel result">
      <h3 class="result-title">
        <a href={href}>{title}</a>
      </h3>
      {meta && <p class="result-meta">{meta}</p>}
      {children}
    </li>
  );
}

/** A matched field beyond the title, when it has something to show. */
function Snippet({ html, fallback, prefix }: { html?: string | null | undefined; fallback?: string | null | undefined; prefix?: string }) {
  if (!html && !fallback) return null;
  return (
    <p class="snippet">
      {prefix}
      <Highlighted html={html} fallback={fallback} />
    </p>
  );
}

export function ListingResult({ hit }: { hit: ListingHit }) {
  const h = hit.highlight;
  return (
    <Result
      href={listingHref(hit.id)}
      title={<Highlighted html={h.title} fallback={hit.title} />}
      meta={
        <>
          {formatMoney(hit.price)} · {conditionLabel(hit.condition)} · sold by {hit.seller.username}
          {hit.status !== 'active' && <span class="badge">{hit.status}</span>}
        </>
      }
    >
      <Snippet html={h.description} />
      <Snippet html={h.tags} prefix="Tags: " />
    </Result>
  );
}

export function TrackResult({ hit }: { hit: TrackHit }) {
  const h = hit.highlight;
  return (
    <Result
      href={trackHref(hit.id)}
      title={<Highlighted html={h.title} fallback={hit.title} />}
      meta={
        <>
          {[
            [h.artist, hit.artist],
            [h.album, hit.album],
          ].map(([html, text], i) =>
            html || text ? (
              <Fragment key={i}>
                <Highlighted html={html} fallback={text} />
                {' · '}
              </Fragment>
            ) : null,
          )}
          {formatDuration(hit.duration_ms)} · shared by {hit.owner.username}
        </>
      }
    >
      <Snippet html={h.tags} prefix="Tags: " />
    </Result>
  );
}

export function UserResult({ hit }: { hit: UserHit }) {
  const h = hit.highlight;
  return (
    <Result
      href={userHref(hit.username)}
      title={<Highlighted html={h.username} fallback={hit.username} />}
      meta={(h.display_name || hit.display_name) && <Highlighted html={h.display_name} fallback={hit.display_name} />}
    >
      <Snippet html={h.bio} fallback={hit.bio} />
    </Result>
  );
}

export function RoomResult({ hit }: { hit: RoomHit }) {
  const h = hit.highlight;
  return (
    <Result
      href={roomHref(hit.id)}
      title={<Highlighted html={h.name} fallback={hit.name} />}
      meta={
        <>
          {hit.member_count} member{hit.member_count === 1 ? '' : 's'}
          {hit.visibility === 'private' && <span class="badge">Private</span>}
        </>
      }
    >
      <Snippet html={h.topic} fallback={hit.topic} />
    </Result>
  );
}
