// One action at a time from a button (join, block, claim…): busy meanwhile, and its failure
// shown, as a toast or kept to be shown in place.
import { useState } from 'preact/hooks';
import { isAbortError } from '../lib/api';
import { toastError } from '../lib/toast';

export interface Action {
  busy: boolean;
  /** With `{ inPlace: true }`: the last failure, cleared when the next action starts. */
  error: unknown;
  /** Runs `action`; resolves to whether it succeeded. */
  run: (action: () => Promise<unknown>) => Promise<boolean>;
}

export function useAction({ inPlace = false }: { inPlace?: boolean } = {}): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function run(action: () => Promise<unknown>): Promise<boolean> {
    setBusy(true);
    setError(null);
    try {
      await action();
      return true;
    } catch (e) {
      if (!inPlace) toastError(e);
      else if (!isAbortError(e)) setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  }

  return { busy, error, run };
}
