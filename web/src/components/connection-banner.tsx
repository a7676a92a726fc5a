import { useSession, useWsState } from '../lib/hooks';

/** Says so while the live connection is down; shown only after a first attempt has failed. */
export function ConnectionBanner() {
  const user = useSession();
  const { status, retries } = useWsState();
  const show = !!user && status !== 'open' && retries > 0;
  return (
    <div class="connection-banner" role="status" hidden={!show}>
      {show ? 'Reconnecting…' : ''}
    </div>
  );
}
