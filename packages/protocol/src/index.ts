export * from './admin';
export * from './channels';
export * from './close-codes';
export * from './common';
export * from './credentials';
export * from './errors';
export * from './event-payloads';
export * from './events';
export * from './ids';
export * from './json-input';
export * from './messages';
export * from './routes';
export * from './token';
export * from './users';
export * from './webhooks';
export * from './ws';

/** Version of the wire protocol (REST bodies and WebSocket frames). */
export const PROTOCOL_VERSION = 1;
