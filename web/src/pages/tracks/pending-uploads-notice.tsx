import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../../lib/api';
import { toastError } from '../../lib/toast';
import { forgetUpload, pendingUploads, type PendingUpload } from './pending-uploads';
import { discardUpload, percentOf, serverOffset } from './uploader';

interface Unfinished extends PendingUpload {
  /** Bytes the server holds, or null when it could not be asked. */
  offset: number | null;
}

/** Uploads this browser started and never finished: choose the same file to continue one. */
export function PendingUploadsNotice({ userId }: { userId: string }) {
  const [list, setList] = useState<Unfinished[]>([]);

  useEffect(() => {
    let live = true;
    Promise.all(
      pendingUploads(userId).map(async (u): Promise<Unfinished | null> => {
        try {
          return { ...u, offset: await serverOffset(u.id) };
        } catch (e) {
          if (e instanceof ApiError && (e.status === 404 || e.status === 410)) {
            forgetUpload(u.id);
            return null;
          }
          return { ...u, offset: null };
        }
      }),
    ).then((found) => {
      if (live) setList(found.filter((u): u is Unfinished => u !== null));
    });
    return () => {
      live = false;
    };
  }, [userId]);

  async function discard(u: Unfinished) {
    try {
      await discardUpload(u.id);
      setList((l) => l.filter((x) => x.id !== u.id));
    } catch (e) {
      toastError(e);
    }
  }

  if (!list.length) return null;
  return (
    <section class="notice pending-uploads" aria-labelledby="pending-uploads-title">
      <h2 id="pending-uploads-title">Unfinished uploads</h2>
      <p class="hint">Choose the same file below to continue where it stopped.</p>
      <ul>
        {list.map((u) => (
          <li key={u.id}>
            <span>
              <strong>{u.filename}</strong>
              {u.offset !== null && ` — ${percentOf({ sent: u.offset, size: u.size })}% uploaded`}
            </span>
            <button type="button" class="secondary" aria-label={`Discard the upload of ${u.filename}`} onClick={() => discard(u)}>
              Discard
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
