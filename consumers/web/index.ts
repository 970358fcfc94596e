export { AuthClient, type Session } from './auth.js';
export { BackendClient, type Page } from './backend.js';
export {
  EventStream,
  EventStreamError,
  type ClosedEvent,
  type EventStreamOptions,
  type WebSocketFactory,
  type WebSocketLike,
} from './events.js';
export { ApiError, NoAnswerError, UserAction } from './http.js';
