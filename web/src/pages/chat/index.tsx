// The chat area: one chunk with the room list and the room page.
export { RoomPage } from './room-page';
export { RoomsPage } from './rooms-page';
