export {
  CariosanProvider,
  type CariosanProviderProps,
  useCariosanClient,
  useChannel,
  useChannels,
  useConnectionState,
  useMessages,
  usePresence,
  useSendMessage,
  useTyping,
  useUnreadCount,
} from './hooks';
