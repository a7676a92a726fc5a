import { Field, FormError, useForm } from '../../components/form';
import { invalid } from '../../lib/api';
import type { Money } from '../../lib/types';
import { amountHint, toMinor } from '../market/money';

/** Propose another amount, in the listing's currency. */
export function CounterForm({ currency, onCounter }: { currency: string; onCounter: (amount: Money) => Promise<unknown> }) {
  const form = useForm(async (data) => {
    const amount = toMinor(String(data.get('amount') ?? ''), currency);
    if (amount === null || amount < 1) throw invalid({ amount: [`Enter an amount in ${currency}, ${amountHint(currency)}.`] });
    await onCounter({ amount, currency });
  });
  return (
    <form class="stack counter-form" onSubmit={form.onSubmit} noValidate>
      <FormError error={form.error} fields={['amount']} />
      <Field
        name="amount"
        id="counter-amount"
        label={`Counter-offer (${currency})`}
        inputMode="decimal"
        autocomplete="off"
        required
        errors={form.fieldErrors.amount}
      />
      <button type="submit" class="secondary" disabled={form.busy}>
        {form.busy ? 'Sending…' : 'Send counter-offer'}
      </button>
    </form>
  );
}
