// The copy of reported content a case keeps (`evidence`), shown per kind of target, with a link
// to where the content lives.
import { formatDateTime, formatMoney } from '../../lib/format';
import { PAGE_OF } from '../../lib/links';
import type { Case, Money } from '../../lib/types';

type Evidence = Record<string, unknown>;

function text(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

function ref(v: unknown): { id: string; name: string } {
  const o = (v && typeof v === 'object' ? v : {}) as Record<string, unknown>;
  return { id: text(o.id), name: text(o.name) || text(o.username) };
}

/** Where the reported thing can be seen, if it has a page. */
export function targetHref(c: Case): string | null {
  const e = c.evidence as Evidence;
  switch (c.target_type) {
    // A message is seen in its room; a profile by its username.
    case 'message': {
      const room = ref(e.room).id;
      return room ? PAGE_OF.room(room) : null;
    }
    case 'user': {
      const name = text(e.username);
      return name ? PAGE_OF.user(name) : null;
    }
    default:
      return PAGE_OF[c.target_type](c.target_id);
  }
}

export function EvidenceView({ c }: { c: Case }) {
  const e = c.evidence as Evidence;
  switch (c.target_type) {
    case 'message': {
      const room = ref(e.room);
      return (
        <figure class="evidence">
          <figcaption>
            {ref(e.author).name || 'Someone'} in {room.name ? `#${room.name}` : 'a room'}
            {text(e.sent_at) && `, ${formatDateTime(text(e.sent_at))}`}:
          </figcaption>
          <blockquote>{text(e.body) || <span class="muted">(no text)</span>}</blockquote>
        </figure>
      );
    }
    case 'listing': {
      const price = e.price as Money | undefined;
      return (
        <figure class="evidence">
          <figcaption>
            Listing by {ref(e.seller).name || 'a seller'}
            {price && typeof price.amount === 'number' && ` · ${formatMoney(price)}`}
          </figcaption>
          <blockquote>
            <strong>{text(e.title)}</strong>
            {text(e.description) && <p>{text(e.description)}</p>}
          </blockquote>
        </figure>
      );
    }
    case 'track':
      return (
        <figure class="evidence">
          <figcaption>Track shared by {ref(e.owner).name || 'someone'}</figcaption>
          <blockquote>
            <strong>{text(e.title)}</strong>
            {[text(e.artist), text(e.album), text(e.genre)].filter(Boolean).join(' · ')}
          </blockquote>
        </figure>
      );
    case 'playlist':
      return (
        <figure class="evidence">
          <figcaption>Playlist by {ref(e.owner).name || 'someone'}</figcaption>
          <blockquote>{text(e.name)}</blockquote>
        </figure>
      );
    case 'user':
      return (
        <figure class="evidence">
          <figcaption>Profile</figcaption>
          <blockquote>
            <strong>{text(e.username)}</strong>
            {text(e.display_name) && ` (${text(e.display_name)})`}
            {text(e.bio) && <p>{text(e.bio)}</p>}
          </blockquote>
        </figure>
      );
  }
}
