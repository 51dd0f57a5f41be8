// The wire types a client app handles, so it needs no direct @cariosan/protocol import.
export type { Channel, CloseCode, EventType, Message } from '@cariosan/protocol';
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
  StopReason,
  WebSocketInstance,
  WebSocketLike,
} from './types';
