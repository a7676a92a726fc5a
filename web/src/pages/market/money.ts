// Amounts typed by people (major units, "12.50") to the API's minor units, and back.

/** Digits after the decimal point in `currency` (2 for EUR, 0 for JPY). */
export function fractionDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** "12.50" or "12,5" in EUR -> 1250; null when it is not an amount of that currency. */
export function toMinor(input: string, currency: string): number | null {
  const s = input.trim().replace(',', '.');
  const m = /^(\d{1,13})(?:\.(\d*))?$/.exec(s);
  if (!m) return null;
  const digits = fractionDigits(currency);
  const frac = m[2] ?? '';
  if (frac.length > digits) return null;
  return Number(m[1]) * 10 ** digits + Number(frac.padEnd(digits, '0') || '0');
}

/** 1250 in EUR -> "12.50", for an input's value. */
export function toMajor(amount: number, currency: string): string {
  const digits = fractionDigits(currency);
  return (amount / 10 ** digits).toFixed(digits);
}

/** What to tell someone whose amount did not parse. */
export function amountHint(currency: string): string {
  return fractionDigits(currency) === 0 ? 'A whole number, e.g. 1200' : 'e.g. 12.50';
}
