import { useState } from 'preact/hooks';
import type { Money, Offer } from '../../lib/types';
import { ConfirmDialog } from '../../components/dialog';
import { CounterForm } from './counter-form';
import { isOpen, type Side } from './labels';

export type Verb = 'counter' | 'accept' | 'decline' | 'withdraw' | 'confirm' | 'cancel';

interface Props {
  offer: Offer;
  side: Side;
  busy: Verb | null;
  /** Does it; rejects with the node's refusal. */
  act: (verb: Verb, body?: { amount: Money }) => Promise<unknown>;
  /** Does it; the refusal is shown as a toast. */
  press: (verb: Verb) => void;
}

const FINAL: Partial<Record<Verb, { title: string; label: string; text: string }>> = {
  decline: { title: 'Decline this offer?', label: 'Decline offer', text: 'The negotiation ends here.' },
  withdraw: { title: 'Withdraw your proposal?', label: 'Withdraw', text: 'The negotiation ends here.' },
  cancel: { title: 'Cancel the deal?', label: 'Cancel deal', text: 'The listing goes back on sale.' },
};

/** Only what the viewer may do now: the rules of API.md's Offers, from their side. */
export function OfferActions({ offer, side, busy, act, press }: Props) {
  const [asking, setAsking] = useState<Verb | null>(null);
  const open = isOpen(offer.status);
  const myTurn = open && offer.turn === side;
  const confirmed = side === 'buyer' ? offer.buyer_confirmed : offer.seller_confirmed;
  const final = asking ? FINAL[asking] : undefined;

  let content;
  if (myTurn) {
    content = (
      <>
        <h2 id="offer-actions-heading">Your answer</h2>
        <div class="actions">
          <button type="button" disabled={busy !== null} onClick={() => press('accept')}>
            Accept
          </button>
          <button type="button" class="secondary" disabled={busy !== null} onClick={() => setAsking('decline')}>
            Decline
          </button>
        </div>
        <CounterForm currency={offer.amount.currency} onCounter={(amount) => act('counter', { amount })} />
      </>
    );
  } else if (open) {
    content = (
      <>
        <h2 id="offer-actions-heading">Your proposal</h2>
        <p class="muted">You can take it back while it waits for an answer.</p>
        <button type="button" class="secondary" disabled={busy !== null} onClick={() => setAsking('withdraw')}>
          Withdraw
        </button>
      </>
    );
  } else if (offer.status === 'accepted') {
    content = (
      <>
        <h2 id="offer-actions-heading">Complete the exchange</h2>
        <p class="muted">
          {side === 'buyer'
            ? 'Confirm once you have paid and received the item.'
            : 'Confirm once you have been paid and handed the item over.'}{' '}
          The sale completes when both of you have confirmed.
        </p>
        <div class="actions">
          {!confirmed && (
            <button type="button" disabled={busy !== null} onClick={() => press('confirm')}>
              Confirm exchange
            </button>
          )}
          <button type="button" class="secondary" disabled={busy !== null} onClick={() => setAsking('cancel')}>
            Cancel deal
          </button>
        </div>
      </>
    );
  } else {
    return null;
  }

  return (
    <section class="panel offer-actions" aria-labelledby="offer-actions-heading">
      {content}
      {final && (
        <ConfirmDialog
          title={final.title}
          confirmLabel={final.label}
          cancelLabel="Go back"
          busy={busy !== null}
          onConfirm={() => {
            const verb = asking!;
            setAsking(null);
            press(verb);
          }}
          onClose={() => setAsking(null)}
        >
          <p>{final.text}</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
