import { formatDateTime } from '../../lib/format';
import type { OfferEvent } from '../../lib/types';
import { eventText, OFFER_STATUS } from './labels';

/** The offer's whole history, oldest first. */
export function OfferTimeline({ events }: { events: OfferEvent[] }) {
  return (
    <section class="panel" aria-labelledby="history-heading">
      <h2 id="history-heading">History</h2>
      {events.length === 0 ? (
        <p class="muted">Nothing has happened yet.</p>
      ) : (
        <ol class="timeline" data-testid="offer-history">
          {events.map((e, i) => (
            <li key={`${e.at}-${i}`}>
              <p>
                <strong>{e.actor?.username ?? 'The offer'}</strong> {eventText(e)}
              </p>
              <p class="muted small">
                <time dateTime={e.at}>{formatDateTime(e.at)}</time> · now {OFFER_STATUS[e.status].toLowerCase()}
              </p>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
