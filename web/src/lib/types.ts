// The API's models, as in tests/golden/openapi.json (components.schemas). Ids are UUID strings,
// times RFC 3339 strings, money in minor units. A field the schema marks optional or nullable
// is `?:` here and may come as null.

export type Uuid = string;
export type DateTime = string;

/** ISO 4217 code (EUR, USD, …); the server lists the accepted ones in openapi.json's Money. */
export type Currency = string;

export interface Money {
  amount: number;
  currency: Currency;
}

/** A list page: `?limit=` (1..100) and `?cursor=` the previous page's `next_cursor`. */
export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

/** An `application/problem+json` answer. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: Record<string, string[]>;
}

// ---- Accounts and users ----------------------------------------------------------------------

export type Role = 'user' | 'moderator' | 'admin';

/** In every frame and reply, a user or author. */
export interface UserRef {
  id: Uuid;
  username: string;
}

/** GET /auth/me */
export interface Me {
  id: Uuid;
  email: string;
  username: string;
  display_name?: string | null;
  roles: Role[];
  created_at: DateTime;
}
export type User = Me;

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
  user: Me;
}

export interface SessionView {
  id: Uuid;
  current: boolean;
  created_at: DateTime;
  last_used_at: DateTime;
  ip?: string | null;
  user_agent?: string | null;
}

export interface OAuthProvider {
  id: string;
  name: string;
  /** where the login starts; /api/v1/auth/oauth/{id}/authorize when absent */
  authorize_url?: string;
}

export interface PublicProfile {
  id: Uuid;
  username: string;
  display_name?: string | null;
  bio?: string | null;
  avatar_url?: string | null;
  created_at: DateTime;
}

export interface OwnProfile extends PublicProfile {
  email: string;
  location?: string | null;
}

export interface ProfilePatch {
  display_name?: string | null;
  bio?: string | null;
  avatar_url?: string | null;
  location?: string | null;
}

export interface FriendEntry {
  user: UserRef;
  since: DateTime;
}

export interface FriendsView {
  friends: FriendEntry[];
  incoming: FriendEntry[];
  outgoing: FriendEntry[];
}

export interface BlockEntry {
  user: UserRef;
  created_at: DateTime;
}

export interface ActivityItem {
  id: number;
  kind: string;
  data: Record<string, unknown>;
  created_at: DateTime;
}

// ---- Chat ------------------------------------------------------------------------------------

export type Visibility = 'public' | 'private';

export interface Room {
  id: Uuid;
  name: string;
  topic?: string | null;
  visibility: Visibility;
  is_direct: boolean;
  member_count: number;
  last_seq: number;
  /** The caller's role in the room; null when not a member. */
  role?: string | null;
  last_read_seq?: number | null;
  unread?: number | null;
  /** In a direct room: the other member. */
  peer?: UserRef | null;
  created_at: DateTime;
}

export interface CreateRoom {
  name: string;
  visibility: Visibility;
  topic?: string | null;
}

/** A chat message; a deleted one keeps its `seq` slot as `{id, seq, deleted: true}`. */
export interface Message {
  id: number;
  seq: number;
  room?: Uuid | null;
  author?: UserRef | null;
  body?: string | null;
  sent_at?: DateTime | null;
  client_id?: string | null;
  deleted?: boolean;
}

// ---- Marketplace -----------------------------------------------------------------------------

export type Condition = 'new' | 'like_new' | 'used' | 'for_parts';
export type ListingStatus = 'draft' | 'active' | 'reserved' | 'sold' | 'archived' | 'removed';
export type ListingSort = 'newest' | 'price_asc' | 'price_desc' | 'relevance';

export interface Category {
  id: Uuid;
  name: string;
  slug: string;
  parent_id?: Uuid | null;
  position: number;
}

/** GET /categories: the tree. */
export interface CategoryNode {
  id: Uuid;
  name: string;
  slug: string;
  position: number;
  children: CategoryNode[];
}

export interface Listing {
  id: Uuid;
  title: string;
  description: string;
  price: Money;
  category_id: Uuid;
  condition: Condition;
  tags: string[];
  status: ListingStatus;
  seller: UserRef;
  track_id?: Uuid | null;
  created_at: DateTime;
  updated_at: DateTime;
  published_at?: DateTime | null;
}

export interface NewListing {
  title: string;
  description?: string;
  price: Money;
  category_id: Uuid;
  condition: Condition;
  tags?: string[];
  track_id?: Uuid | null;
  publish?: boolean;
}

export type ListingPatch = Partial<Omit<NewListing, 'publish'>>;

export interface Facets {
  categories: { id: Uuid; name: string; slug: string; count: number; total: number }[];
  conditions: { condition: Condition; count: number }[];
  price: { min: number; max?: number | null; count: number }[];
  tags: { tag: string; count: number }[];
}

export interface ListingPage extends Page<Listing> {
  facets?: Facets | null;
}

// ---- Offers ----------------------------------------------------------------------------------

export type OfferStatus =
  | 'pending'
  | 'countered'
  | 'accepted'
  | 'completed'
  | 'declined'
  | 'withdrawn'
  | 'expired'
  | 'cancelled';
export type Party = 'buyer' | 'seller' | 'system';

export interface OfferEvent {
  action: string;
  actor?: UserRef | null;
  amount?: Money | null;
  status: OfferStatus;
  at: DateTime;
}

export interface Offer {
  id: Uuid;
  listing: { id: Uuid; title: string; status: string };
  buyer: UserRef;
  seller: UserRef;
  amount: Money;
  message?: string | null;
  status: OfferStatus;
  /** Whose move it is; null once the offer is settled. */
  turn?: Party | null;
  buyer_confirmed: boolean;
  seller_confirmed: boolean;
  expires_at?: DateTime | null;
  created_at: DateTime;
  updated_at: DateTime;
  /** The full history, on GET /offers/{id}. */
  events?: OfferEvent[] | null;
}

export interface NewOffer {
  amount: Money;
  message?: string | null;
}

// ---- Tracks, playlists, uploads --------------------------------------------------------------

export type TrackSort = 'newest' | 'oldest' | 'popular' | 'relevance';

export interface Track {
  id: Uuid;
  owner: UserRef;
  title: string;
  artist?: string | null;
  album?: string | null;
  year?: number | null;
  genre?: string | null;
  track_number?: number | null;
  duration_ms: number;
  bitrate: number;
  sample_rate: number;
  channels: number;
  codec: string;
  format: string;
  size_bytes: number;
  loudness_lufs?: number | null;
  has_cover: boolean;
  visibility: Visibility;
  tags: string[];
  plays: number;
  created_at: DateTime;
}

export interface TrackPatch {
  title?: string | null;
  tags?: string[] | null;
  visibility?: Visibility | null;
}

export interface Waveform {
  /** min, max pairs */
  peaks: number[];
  points: number;
  duration_ms: number;
}

export interface StreamUrl {
  url: string;
  expires_at: DateTime;
}

export interface HistoryEntry {
  track: Track;
  played_at: DateTime;
}

export interface Playlist {
  id: Uuid;
  name: string;
  owner: UserRef;
  public: boolean;
  tracks: { track: Track; added_at: DateTime }[];
  /** Sent back as `If-Match` on PATCH and PUT …/order. */
  version: number;
  created_at: DateTime;
  updated_at: DateTime;
}

/** One of my playlists in `GET /users/me/playlists`: without its tracks. */
export interface PlaylistSummary {
  id: Uuid;
  name: string;
  public: boolean;
  /** Hidden by a moderator: still mine, shown to nobody else. */
  hidden: boolean;
  version: number;
  track_count: number;
  created_at: DateTime;
  updated_at: DateTime;
}

export interface NewPlaylist {
  name: string;
  public?: boolean;
}

export interface Upload {
  id: Uuid;
  offset: number;
  size: number;
  expires_at: DateTime;
}

export interface NewUpload {
  size: number;
  filename: string;
  sha256?: string | null;
}

export interface UploadMeta {
  title?: string | null;
  tags?: string[];
  visibility?: Visibility | null;
}

// ---- Search ----------------------------------------------------------------------------------

/** Highlighted fields: HTML-escaped text with `<mark>` around the matches. */
export type Highlight = Record<string, string>;

export interface SearchPage {
  results: {
    listings?: (Listing & { highlight: Highlight })[] | null;
    tracks?: (Track & { highlight: Highlight })[] | null;
    users?: (PublicProfile & { highlight: Highlight })[] | null;
    rooms?: (Room & { highlight: Highlight })[] | null;
  };
  counts: { listings?: number | null; tracks?: number | null; users?: number | null; rooms?: number | null };
  counts_at_least?: string[];
  partial: boolean;
  source: 'index' | 'database';
  next_cursor?: string | null;
}

export interface Suggestion {
  type: 'listing' | 'track' | 'user' | 'room' | 'query';
  id?: Uuid | null;
  text: string;
  highlight: string;
}

export type SearchWindow = '1h' | '24h' | '7d';

export interface PopularQueries {
  window: SearchWindow;
  queries: { query: string; users: number }[];
}

// ---- Reports and admin -----------------------------------------------------------------------

export type TargetType = 'message' | 'listing' | 'track' | 'playlist' | 'user';
export type Reason = 'spam' | 'harassment' | 'hate' | 'sexual' | 'violence' | 'illegal' | 'impersonation' | 'other';
export type ResolveAction = 'dismiss' | 'remove_content' | 'warn' | 'suspend_user' | 'ban_user';
export type UserStatus = 'active' | 'suspended' | 'banned' | 'deleted';

export interface NewReport {
  target_type: TargetType;
  target_id: string;
  reason: Reason;
  note?: string | null;
}

export interface ReportEntry {
  reporter: UserRef;
  reason: Reason;
  note?: string | null;
  created_at: DateTime;
}

/** A moderation case: every report on one target. */
export interface Case {
  id: Uuid;
  target_type: TargetType;
  target_id: string;
  target_owner?: UserRef | null;
  status: string;
  report_count: number;
  reports: ReportEntry[];
  evidence: Record<string, unknown>;
  flagged_by?: string | null;
  first_reported_at: DateTime;
  last_reported_at: DateTime;
  claimed_by?: UserRef | null;
  claimed_until?: DateTime | null;
  resolution?: ResolveAction | null;
  resolution_note?: string | null;
  resolved_by?: UserRef | null;
  resolved_at?: DateTime | null;
}

export interface AdminUser {
  id: Uuid;
  username: string;
  email?: string | null;
  display_name?: string | null;
  roles: Role[];
  status: UserStatus;
  status_changed_at?: DateTime | null;
  suspended_until?: DateTime | null;
  created_at: DateTime;
}

export interface StandingPatch {
  roles?: Role[] | null;
  status?: 'active' | 'suspended' | 'banned' | null;
  suspended_until?: DateTime | null;
  reason?: string | null;
}

export interface NodeStatus {
  node: string;
  version: string;
  status: 'up' | 'unreachable' | 'stopped';
  connections: number;
  online_users: number;
  rooms: number;
  deliveries_per_sec: number;
  started_at: DateTime;
  last_beat_at: DateTime;
  uptime_secs?: number | null;
}

export interface AdminStats {
  users: number;
  users_by_status: Record<string, number>;
  active_users: { d1: number; d7: number; d30: number };
  active_users_24h: number;
  messages_24h: number;
  messages_per_hour: { hour: DateTime; count: number }[];
  listings_by_status: Record<string, number>;
  offers_by_status: Record<string, number>;
  offer_conversion: { created: number; completed: number; rate: number; window_days: number };
  tracks: number;
  plays: { total: number; last_24h: number };
  searches: { last_24h: number; zero_results_24h: number };
  nodes: NodeStatus[];
  computed_at: DateTime;
  computed_by: string;
}

export interface Setting {
  key: string;
  value: unknown;
  description: string;
  is_default: boolean;
  locked: boolean;
  version?: number | null;
  updated_at?: DateTime | null;
  updated_by?: UserRef | null;
}

export interface ConfigView {
  version: number;
  settings: Setting[];
}

export interface ConfigVersion {
  version: number;
  changed_at: DateTime;
  changed_by?: UserRef | null;
  changes: { key: string; from?: unknown; to?: unknown }[];
  rollback_of?: number | null;
}

export interface AuditRecord {
  seq: number;
  action: string;
  actor_id?: Uuid | null;
  target_type?: string | null;
  target_id?: string | null;
  data: Record<string, unknown>;
  ip?: string | null;
  request_id?: string | null;
  hash: string;
  created_at: DateTime;
}

// ---- WebSocket frames ------------------------------------------------------------------------

/** Client -> server. */
export type ClientFrame =
  | { type: 'join'; room: Uuid; last_seen?: number }
  | { type: 'leave'; room: Uuid }
  | { type: 'send'; room: Uuid; body: string; client_id: string }
  | { type: 'typing'; room: Uuid }
  | { type: 'read'; room: Uuid; up_to: number }
  | { type: 'ping' };

export type UserEventKind =
  | 'offer.created'
  | 'offer.updated'
  | 'friend.request'
  | 'dm.created'
  | 'playlist.updated'
  | 'presence.now_playing'
  | 'report.opened'
  | 'report.resolved';

/** Server -> client. */
export type ServerFrame =
  | { type: 'joined'; room: Uuid; members_online: number }
  | {
      type: 'message';
      room: Uuid;
      id: number;
      seq: number;
      author: UserRef;
      body: string;
      sent_at: DateTime;
      client_id?: string | null;
    }
  | { type: 'ack'; client_id: string; id: number; seq: number }
  | { type: 'message_deleted'; room: Uuid; id: number; seq: number }
  | { type: 'history_truncated'; room: Uuid; after: number; before: number }
  | { type: 'typing'; room: Uuid; user: UserRef }
  | { type: 'read'; room: Uuid; user: UserRef; up_to: number }
  | { type: 'presence'; room: Uuid; user: UserRef; online: boolean }
  /** Live hints, not a log: after a reconnect, refetch over REST. */
  | { type: 'event'; kind: UserEventKind | (string & {}); data: Record<string, unknown> }
  | { type: 'error'; code: string; message: string; ref?: string }
  | { type: 'pong' };

export type FrameType = ServerFrame['type'];
export type FrameOf<T extends FrameType> = Extract<ServerFrame, { type: T }>;
