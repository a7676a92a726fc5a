// The tracks area: browse, upload (resumable) and play tracks.
export { TrackPage } from './track-page';
export { TracksPage } from './tracks-page';
export { UploadPage } from './upload-page';
