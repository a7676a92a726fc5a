import type { TargetedEvent, TargetedSubmitEvent } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { Field, FormError, fieldErrorsOf } from '../../components/form';
import { ApiError } from '../../lib/api';
import { useSession } from '../../lib/hooks';
import { trackHref } from '../../lib/links';
import { navigate } from '../../lib/router';
import { toast } from '../../lib/toast';
import type { UploadMeta, Visibility } from '../../lib/types';
import { findPendingUpload, forgetUpload } from './pending-uploads';
import { PendingUploadsNotice } from './pending-uploads-notice';
import { parseTags } from './tags';
import { ResumableUpload, percentOf, serverOffset, type UploadState } from './uploader';
import { VisibilitySelect } from './visibility-select';
import './tracks.css';

const ACCEPT = 'audio/*,.mp3,.flac,.ogg,.oga,.opus,.wav,.m4a';
const ACTIVE = new Set(['starting', 'uploading', 'reconnecting', 'paused', 'finishing']);

export function UploadPage() {
  const user = useSession();
  const [file, setFile] = useState<File | null>(null);
  /** The chosen file's earlier upload: how much of it the server already holds. */
  const [earlier, setEarlier] = useState<{ sent: number; size: number } | null>(null);
  const [state, setState] = useState<UploadState | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [round, setRound] = useState(0);
  const runner = useRef<ResumableUpload | null>(null);

  // Leaving the page stops sending; the upload stays resumable.
  useEffect(() => () => runner.current?.dispose(), []);

  if (!user) return null;
  const userId = user.id;
  const active = !!state && ACTIVE.has(state.phase);

  function onFile(e: TargetedEvent<HTMLInputElement>) {
    const chosen = e.currentTarget.files?.[0] ?? null;
    setFile(chosen);
    setError(null);
    setFileError(null);
    setState(null);
    setEarlier(null);
    const known = chosen && findPendingUpload(userId, chosen);
    if (!known) return;
    if (known.meta) refill(e.currentTarget.form, known.meta);
    serverOffset(known.id).then(
      (sent) => setEarlier({ sent, size: known.size }),
      (err) => {
        if (err instanceof ApiError && (err.status === 404 || err.status === 410)) forgetUpload(known.id);
      },
    );
  }

  async function onSubmit(e: TargetedSubmitEvent<HTMLFormElement>) {
    e.preventDefault();
    if (active) return;
    if (!file || file.size === 0) {
      setFileError(file ? 'This file is empty.' : 'Choose an audio file to upload.');
      return;
    }
    const data = new FormData(e.currentTarget);
    const title = String(data.get('title') ?? '').trim();
    const meta: UploadMeta = {
      tags: parseTags(String(data.get('tags') ?? '')),
      visibility: String(data.get('visibility')) as Visibility,
      ...(title ? { title } : {}),
    };
    setError(null);
    const upload = new ResumableUpload(file, userId, setState);
    runner.current = upload;
    setState(upload.state);
    try {
      const track = await upload.run(meta);
      if (track) {
        toast(`“${track.title}” is uploaded.`, 'success');
        navigate(trackHref(track.id));
      }
    } catch (err) {
      setError(err);
    } finally {
      setRound((n) => n + 1);
    }
  }

  async function cancel() {
    const upload = runner.current;
    if (!upload) return;
    try {
      await upload.cancel();
      setEarlier(null);
    } catch (err) {
      setError(err);
    }
  }

  const fieldErrors = fieldErrorsOf(error);
  const percent = state ? percentOf(state) : earlier ? percentOf(earlier) : 0;

  return (
    <section class="upload-page narrow-wide">
      <h1>Upload a track</h1>
      <PendingUploadsNotice key={round} userId={userId} />
      <form class="stack" onSubmit={onSubmit} noValidate>
        <FormError error={error} fields={['title', 'tags']} />
        <fieldset class="stack plain" disabled={active}>
          <Field
            name="file"
            type="file"
            label="Audio file"
            accept={ACCEPT}
            required
            onChange={onFile}
            hint="MP3, FLAC, Ogg Vorbis, Opus, WAV or M4A."
            errors={fileError ? [fileError] : undefined}
          />
          {earlier && !state && (
            <p class="notice" role="status">
              {percent}% of this file was uploaded before. Press “Resume upload” to send the rest.
            </p>
          )}
          <Field
            name="title"
            label="Title"
            maxLength={200}
            hint="Leave empty to use the title in the file's tags."
            errors={fieldErrors.title}
          />
          <Field name="tags" label="Tags" hint="Separated by commas, up to 10." errors={fieldErrors.tags} />
          <VisibilitySelect value="public" />
        </fieldset>
        {state && (
          <div class="upload-progress">
            <label for="upload-progress">Upload progress</label>
            <div class="progress-row">
              <progress id="upload-progress" max={100} value={percent}>
                {percent}%
              </progress>
              <span data-testid="upload-percent">{percent}%</span>
            </div>
            <p role="status" class={state.phase === 'reconnecting' ? 'upload-status warning' : 'upload-status'}>
              {statusText(state)}
            </p>
          </div>
        )}
        <div class="actions">
          {!active && <button type="submit">{earlier ? 'Resume upload' : 'Upload'}</button>}
          {active && (
            <button
              type="button"
              class="secondary"
              disabled={state.phase === 'finishing' || state.phase === 'starting'}
              onClick={() => (state.phase === 'paused' ? runner.current?.resume() : runner.current?.pause())}
            >
              {state.phase === 'paused' ? 'Resume' : 'Pause'}
            </button>
          )}
          {active && (
            <button type="button" class="secondary" disabled={state.phase === 'finishing'} onClick={cancel}>
              Cancel
            </button>
          )}
        </div>
      </form>
    </section>
  );
}

/** Put back what the form said when this file's upload started (empty fields only). */
function refill(form: HTMLFormElement | null, meta: UploadMeta): void {
  const field = (name: string) => form?.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement | null;
  const title = field('title');
  const tags = field('tags');
  const visibility = field('visibility');
  if (title && !title.value && meta.title) title.value = meta.title;
  if (tags && !tags.value && meta.tags?.length) tags.value = meta.tags.join(', ');
  if (visibility && meta.visibility) visibility.value = meta.visibility;
}

function statusText(s: UploadState): string {
  const pct = percentOf(s);
  switch (s.phase) {
    case 'starting':
      return 'Preparing the upload…';
    case 'uploading':
      return s.resumed ? `Resuming your earlier upload… ${pct}%` : `Uploading… ${pct}%`;
    case 'reconnecting':
      return 'Connection lost — resuming…';
    case 'paused':
      return `Paused at ${pct}%.`;
    case 'finishing':
      return 'Processing the audio…';
    case 'done':
      return 'Done.';
    case 'cancelled':
      return 'Upload cancelled.';
    case 'failed':
      return 'The upload stopped.';
  }
}
