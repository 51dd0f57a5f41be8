export { CariosanClientError, createClient } from './client';
export { emptyChannel, mergeMessages } from './store';
export type {
  CariosanClient,
  ChannelState,
  ChatState,
  ClientEventName,
  ClientOptions,
  ConnectionState,
  LocalMessage,
  WebSocketInstance,
  WebSocketLike,
} from './types';
