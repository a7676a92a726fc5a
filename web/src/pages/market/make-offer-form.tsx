import { Field, FormError, TextAreaField, useForm } from '../../components/form';
import { api, invalid } from '../../lib/api';
import { formatMoney } from '../../lib/format';
import { offerHref } from '../../lib/links';
import { navigate } from '../../lib/router';
import { toast } from '../../lib/toast';
import type { Listing, NewOffer, Offer } from '../../lib/types';
import { amountHint, toMinor } from './money';

/** A buyer's first proposal; the offer's own page follows the negotiation. */
export function MakeOfferForm({ listing }: { listing: Listing }) {
  const currency = listing.price.currency;
  const form = useForm(async (data) => {
    const amount = toMinor(String(data.get('amount') ?? ''), currency);
    if (amount === null || amount < 1) throw invalid({ amount: [`Enter an amount in ${currency}, ${amountHint(currency)}.`] });
    const message = String(data.get('message') ?? '').trim();
    const body: NewOffer = { amount: { amount, currency }, message: message || null };
    const offer = await api<Offer>('POST', `/listings/${encodeURIComponent(listing.id)}/offers`, body);
    toast(`Offer of ${formatMoney(offer.amount)} sent to ${listing.seller.username}.`, 'success');
    navigate(offerHref(offer.id));
  });
  const errors = form.fieldErrors;

  return (
    <form class="stack" onSubmit={form.onSubmit} noValidate>
      <FormError error={form.error} fields={['amount', 'message']} />
      <Field
        name="amount"
        label={`Your offer (${currency})`}
        inputMode="decimal"
        autocomplete="off"
        required
        hint={`Asking price ${formatMoney(listing.price)}`}
        errors={errors.amount}
      />
      <TextAreaField name="message" label="Message to the seller (optional)" rows={3} maxLength={1000} errors={errors.message} />
      <button type="submit" disabled={form.busy}>
        {form.busy ? 'Sending…' : 'Send offer'}
      </button>
    </form>
  );
}
