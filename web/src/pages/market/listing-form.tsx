import { CheckboxField, Field, FormError, SelectField, TextAreaField, useForm } from '../../components/form';
import { invalid } from '../../lib/api';
import type { Condition, Listing, NewListing } from '../../lib/types';
import type { FlatCategory } from './categories';
import { CONDITIONS, CURRENCIES } from './labels';
import { amountHint, toMajor, toMinor } from './money';

/** The fields that map to the form's own; the node names the price's parts too. */
const FIELDS = ['title', 'description', 'price', 'currency', 'category_id', 'tags', 'condition', 'price.amount', 'price.currency'];

interface Props {
  /** The listing being edited; absent for a new one (which gets "Publish now"). */
  initial?: Listing;
  categories: FlatCategory[];
  submitLabel: string;
  busyLabel: string;
  onSubmit: (body: NewListing) => Promise<unknown>;
}

/** Create or edit a listing: the price is typed in major units and sent in minor units. */
export function ListingForm({ initial, categories, submitLabel, busyLabel, onSubmit }: Props) {
  const form = useForm(async (data) => {
    const get = (k: string) => String(data.get(k) ?? '').trim();
    const currency = get('currency');
    const amount = toMinor(get('price'), currency);
    const local: Record<string, string[]> = {};
    if (amount === null) local.price = [`Enter a price in ${currency}, ${amountHint(currency)}.`];
    if (!get('category_id')) local.category_id = ['Choose a category.'];
    if (Object.keys(local).length) throw invalid(local);
    await onSubmit({
      title: get('title'),
      description: get('description'),
      price: { amount: amount!, currency },
      category_id: get('category_id'),
      condition: get('condition') as Condition,
      tags: [...new Set(get('tags').split(',').map((t) => t.trim()).filter(Boolean))],
      ...(initial ? {} : { publish: data.get('publish') === 'on' }),
    });
  });
  const fe = form.fieldErrors;
  const priceErrors = [...(fe.price ?? []), ...(fe['price.amount'] ?? [])];
  const currencyErrors = [...(fe.currency ?? []), ...(fe['price.currency'] ?? [])];
  const currency = initial?.price.currency ?? 'EUR';
  const currencies = CURRENCIES.includes(currency) ? CURRENCIES : [currency, ...CURRENCIES];
  // Defaults are set with `selected` on the options: a <select> has no defaultValue.

  return (
    <form class="stack listing-form" onSubmit={form.onSubmit} noValidate>
      <FormError error={form.error} fields={FIELDS} />
      <Field
        name="title"
        label="Title"
        required
        maxLength={120}
        defaultValue={initial?.title}
        hint="3 to 120 characters"
        errors={fe.title}
      />
      <TextAreaField
        name="description"
        label="Description"
        rows={6}
        maxLength={5000}
        defaultValue={initial?.description}
        errors={fe.description}
      />
      <div class="field-row">
        <Field
          name="price"
          label="Price"
          inputMode="decimal"
          autocomplete="off"
          required
          defaultValue={initial ? toMajor(initial.price.amount, currency) : ''}
          hint={amountHint(currency)}
          errors={priceErrors.length ? priceErrors : undefined}
        />
        <SelectField name="currency" label="Currency" errors={currencyErrors.length ? currencyErrors : undefined}>
          {currencies.map((c) => (
            <option key={c} value={c} selected={c === currency}>
              {c}
            </option>
          ))}
        </SelectField>
      </div>
      <SelectField name="category_id" label="Category" required errors={fe.category_id}>
        <option value="">Choose a category</option>
        {categories.map((c) => (
          <option key={c.id} value={c.id} selected={c.id === initial?.category_id}>
            {'\u00a0\u00a0'.repeat(c.depth) + c.name}
          </option>
        ))}
      </SelectField>
      <SelectField name="condition" label="Condition" errors={fe.condition}>
        {CONDITIONS.map((c) => (
          <option key={c.value} value={c.value} selected={c.value === (initial?.condition ?? 'used')}>
            {c.label}
          </option>
        ))}
      </SelectField>
      <Field
        name="tags"
        label="Tags"
        defaultValue={initial?.tags.join(', ')}
        hint="Separated by commas, up to 10: synth, analog"
        errors={fe.tags}
      />
      {!initial && (
        <CheckboxField name="publish" label="Publish now" hint="Otherwise it is saved as a draft only you can see." defaultChecked />
      )}
      <button type="submit" disabled={form.busy}>
        {form.busy ? busyLabel : submitLabel}
      </button>
    </form>
  );
}
